using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Switchboard.Tests.Messages.Transport;

/// <summary>The CA-only chain check behind every TLS handshake, on certificates made in memory.</summary>
public sealed class CaTrustSpecs
{
    private static X509Certificate2 MakeCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, DateTimeOffset? notAfter = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var serial = RandomNumberGenerator.GetBytes(8);
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(10);
        return request.Create(ca, ca.NotBefore.AddMinutes(1), end, serial);
    }

    private static readonly X509Certificate2 Ca = MakeCa("Test CA");
    private static readonly X509Certificate2 OtherCa = MakeCa("Other CA");
    private static readonly CaTrust Trust = new([Ca]);

    [Fact]
    public void Should_accept_a_certificate_signed_by_the_CA() => Assert.Null(Trust.Problem(Issue(Ca, "node")));

    [Fact]
    public void Should_refuse_a_certificate_signed_by_another_CA() =>
        Assert.Contains("not trusted by the CA", Trust.Problem(Issue(OtherCa, "rogue")));

    [Fact]
    public void Should_refuse_a_self_signed_certificate_even_one_named_like_the_CA() =>
        Assert.NotNull(Trust.Problem(MakeCa("Test CA")));

    [Fact]
    public void Should_refuse_an_expired_certificate_of_the_CA() =>
        Assert.NotNull(Trust.Problem(Issue(Ca, "old", DateTimeOffset.UtcNow.AddDays(-2))));

    [Fact]
    public void Should_refuse_a_peer_that_presents_no_certificate_and_say_so()
    {
        string? refused = null;
        var validator = Trust.Validator(checkHostname: false, why => refused = why);
        Assert.False(validator(null, null, "peer", System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable, null!));
        Assert.Contains("presented no certificate", refused);
    }

    [Fact]
    public void Should_ignore_the_machine_stores_verdict_and_trust_only_the_CA()
    {
        var validator = Trust.Validator(checkHostname: false);
        // The OS builds the chain against its own store and reports a chain error for a private CA: not our concern.
        Assert.True(validator(Issue(Ca, "node"), null, "peer", System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors, null!));
        Assert.False(validator(Issue(OtherCa, "rogue"), null, "peer", System.Net.Security.SslPolicyErrors.None, null!));
    }
}
