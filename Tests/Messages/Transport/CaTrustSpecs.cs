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

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1", ClientAuth = "1.3.6.1.5.5.7.3.2";

    // Both purposes unless told (a node's, as tls-certs.sh makes it); none at all: no EKU extension.
    private static X509Certificate2 Issue(X509Certificate2 ca, string name, DateTimeOffset? notAfter = null, string[]? usages = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        usages ??= [ServerAuth, ClientAuth];
        if (usages.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var u in usages) oids.Add(new Oid(u));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }
        var serial = RandomNumberGenerator.GetBytes(8);
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(10);
        return request.Create(ca, ca.NotBefore.AddMinutes(1), end, serial);
    }

    private static readonly X509Certificate2 Ca = MakeCa("Test CA");
    private static readonly X509Certificate2 OtherCa = MakeCa("Other CA");
    private static readonly CaTrust Trust = new([Ca]);
    private static readonly KeyPurpose[] Both = [KeyPurpose.ServerAuth, KeyPurpose.ClientAuth];

    [Fact]
    public void Should_accept_a_certificate_signed_by_the_CA() => Assert.Null(Trust.Problem(Issue(Ca, "node"), Both));

    [Fact]
    public void Should_refuse_a_certificate_signed_by_another_CA() =>
        Assert.Contains("not trusted by the CA", Trust.Problem(Issue(OtherCa, "rogue"), Both));

    [Fact]
    public void Should_refuse_a_self_signed_certificate_even_one_named_like_the_CA() =>
        Assert.NotNull(Trust.Problem(MakeCa("Test CA"), [])); // the chain alone refuses it

    [Fact]
    public void Should_refuse_an_expired_certificate_of_the_CA() =>
        Assert.NotNull(Trust.Problem(Issue(Ca, "old", DateTimeOffset.UtcNow.AddDays(-2)), Both));

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

    // How Akka.Remote 1.5.73 names the peer to the validator: the address it dialled (outbound, the peer is a server) or
    // the socket's remote endpoint (inbound, the peer is a client or a node dialling this one).
    private const string Dialled = "akka.ssl.tcp://switchboard@127.0.0.1:4053";
    private const string Inbound = "[::ffff:127.0.0.1]:50412";

    [Fact]
    public void A_client_certificate_of_the_CA_cannot_pass_for_the_server_it_dialled()
    {
        string? refused = null;
        var validator = Trust.Validator(checkHostname: false, why => refused = why);
        Assert.False(validator(Issue(Ca, "switchboard-client", usages: [ClientAuth]), null, Dialled, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors, null!));
        Assert.Contains("serverAuth", refused);
    }

    [Fact]
    public void A_server_only_certificate_of_the_CA_cannot_pass_for_a_client()
    {
        string? refused = null;
        var validator = Trust.Validator(checkHostname: false, why => refused = why);
        Assert.False(validator(Issue(Ca, "web-server", usages: [ServerAuth]), null, Inbound, System.Net.Security.SslPolicyErrors.None, null!));
        Assert.Contains("clientAuth", refused);
    }

    [Fact]
    public void A_certificate_without_extended_key_usage_passes_for_neither()
    {
        var validator = Trust.Validator(checkHostname: false);
        var bare = Issue(Ca, "bare", usages: []);
        Assert.False(validator(bare, null, Dialled, System.Net.Security.SslPolicyErrors.None, null!));
        Assert.False(validator(bare, null, Inbound, System.Net.Security.SslPolicyErrors.None, null!));
    }

    [Fact]
    public void A_node_certificate_with_both_purposes_passes_both_ways()
    {
        var validator = Trust.Validator(checkHostname: false);
        var node = Issue(Ca, "switchboard-server");
        Assert.True(validator(node, null, Dialled, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors, null!));
        Assert.True(validator(node, null, Inbound, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors, null!));
    }
}
