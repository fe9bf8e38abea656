using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Switchboard.Tests.Server.Cluster;

/// <summary>
/// A plain Akka.Cluster system named "switchboard", with Akka's stock serializers and no secret, goes after a real
/// cluster node on both its ports: it must never become a member, and nothing it sends downs or stalls the node.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ClusterStrangerSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A stranger's cluster system on 127.0.0.3; with <paramref name="tls"/> it speaks TLS with a certificate
    /// of its own (as a client of the operator's CA would), checking nothing of the node's.</summary>
    private static ActorSystem Stranger(DotNettySslSetup? tls = null)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = OFF
            akka.stdout-loglevel = OFF
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.3, port = 0, enable-ssl = {{(tls is null ? "off" : "on")}} }
            akka.cluster.seed-node-timeout = 1s
            akka.cluster.retry-unsuccessful-join-after = 1s
            akka.actor.serializers.switchboard = "Switchboard.Tests.Server.Security.HostileSerializer, Tests"
            akka.actor.serialization-bindings { "Switchboard.Messages.ISwitchboardMessage, Switchboard.Messages" = switchboard }
            """);
        var setup = BootstrapSetup.Create().WithConfig(config);
        return tls is null ? ActorSystem.Create("switchboard", setup) : ActorSystem.Create("switchboard", setup.And(tls));
    }

    private static X509Certificate2 SelfSigned(NodeCertificate? taggedWithOtherSecret)
    {
        if (taggedWithOtherSecret is not null) return taggedWithOtherSecret.Mint("mallory");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=mallory", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task AssertServesAsync(ClusterNode node)
    {
        Assert.False(node.Process.HasExited);
        await using var carol = await node.ConnectAsync("carol" + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(200, carol.Registration.GetProperty("code").GetInt32());
        Assert.Equal(200, (await carol.SendAsync("calc 6 * 7")).GetProperty("code").GetInt32());
        var who = await carol.SendAsync("who");
        Assert.Equal(200, who.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_plain_cluster_node_without_the_secret_joins_neither_port_and_its_Down_and_Leave_reach_nothing()
    {
        int port = ClusterNode.FreePort("127.0.0.1"), clusterPort = ClusterNode.FreePort("127.0.0.1");
        await using var node = await ClusterNode.StartAsync("127.0.0.1", port, clusterPort, $"127.0.0.1:{clusterPort}");
        var stranger = Stranger();
        try
        {
            var front = Address.Parse($"akka.tcp://switchboard@127.0.0.1:{port}");
            var nodePort = Address.Parse($"akka.tcp://switchboard@127.0.0.1:{clusterPort}");
            var cluster = AkkaCluster.Get(stranger);
            cluster.JoinSeedNodes([front, nodePort]);

            // Its InitJoin arrives at the client-facing port, which has no cluster (nor its serializer) and refuses it.
            await node.Process.WaitForStdErrAsync("InternalClusterAction+InitJoin", Patience);

            // The one-message attacks of the report, by selection and by reference, to the daemon of the client port.
            var down = Activator.CreateInstance(Type.GetType("Akka.Cluster.ClusterUserAction+Down, Akka.Cluster", throwOnError: true)!, nodePort)!;
            var leave = Activator.CreateInstance(Type.GetType("Akka.Cluster.ClusterUserAction+Leave, Akka.Cluster", throwOnError: true)!, nodePort)!;
            foreach (var message in new[] { down, leave })
            {
                stranger.ActorSelection($"{front}/system/cluster/core/daemon").Tell(message);
                ((ExtendedActorSystem)stranger).Provider.ResolveActorRef($"{front}/system/cluster/core/daemon").Tell(message);
            }
            // A registration over the same association is answered after the server took in everything before it.
            var answer = await stranger.ActorSelection($"{front}/user/gateway").Ask<ISwitchboardMessage>(new Register("barrier" + Guid.NewGuid().ToString("N")[..6]), Patience.Scaled());
            Assert.IsType<Registered>(answer);

            Assert.NotEqual(Akka.Cluster.MemberStatus.Up, cluster.SelfMember.Status);
            Assert.DoesNotContain(cluster.State.Members, m => m.Address.Port == clusterPort || m.Address.Port == port);
            await AssertServesAsync(node);
        }
        finally
        {
            await stranger.Terminate().WaitAsync(TimeSpan.FromSeconds(20).Scaled());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stranger_speaking_TLS_with_a_certificate_that_is_not_a_nodes_never_associates_with_the_node_port(bool taggedWithAnotherSecret)
    {
        int port = ClusterNode.FreePort("127.0.0.1"), clusterPort = ClusterNode.FreePort("127.0.0.1");
        await using var node = await ClusterNode.StartAsync("127.0.0.1", port, clusterPort, $"127.0.0.1:{clusterPort}");
        var own = SelfSigned(taggedWithAnotherSecret ? new NodeCertificate("another-secret-0123456789abcdef") : null);
        // It accepts any server certificate: the node must still refuse it.
        var tls = new DotNettySslSetup(own, suppressValidation: true, requireMutualAuthentication: true, validateCertificateHostname: false);
        var stranger = Stranger(tls);
        try
        {
            var cluster = AkkaCluster.Get(stranger);
            cluster.JoinSeedNodes([Address.Parse($"akka.ssl.tcp://switchboard@127.0.0.1:{clusterPort}")]);
            await node.Process.WaitForStdErrAsync("cluster: refused peer", Patience);
            Assert.Contains(taggedWithAnotherSecret ? "is not tagged with this cluster's secret" : "is not a node's", node.Process.StdErr);
            Assert.NotEqual(Akka.Cluster.MemberStatus.Up, cluster.SelfMember.Status);
            await AssertServesAsync(node);
        }
        finally
        {
            await stranger.Terminate().WaitAsync(TimeSpan.FromSeconds(20).Scaled());
        }
    }
}

public sealed class NodeCertificateSpecs
{
    private const string Secret = "specs-cluster-secret-0123456789";

    [Fact]
    public void A_certificate_minted_with_the_secret_passes_and_one_untagged_or_tagged_with_another_secret_does_not()
    {
        var ours = new NodeCertificate(Secret);
        using var minted = ours.Mint("127.0.0.1:4054");
        Assert.True(minted.HasPrivateKey);
        Assert.Null(ours.Problem(minted));
        // The other side sees only the public certificate.
        using var seen = X509CertificateLoader.LoadCertificate(minted.Export(X509ContentType.Cert));
        Assert.Null(ours.Problem(seen));

        using var theirs = new NodeCertificate("another-secret-0123456789abcdef").Mint("mallory");
        Assert.Contains("not tagged with this cluster's secret", ours.Problem(theirs));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var plain = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Contains("is not a node's", ours.Problem(plain));
        Assert.Equal("presented no certificate", ours.Problem(null));
    }

    /// <summary>
    /// Hostile tester hD (2026-12-07): anyone who reaches the node port is shown a node's certificate in the TLS handshake
    /// (<c>openssl s_client -connect NODE:PORT</c>, no certificate of its own needed), and its tag is a keyed hash of the
    /// public key under a key derived from the secret. With HKDF the key cost one pass of HMAC, so the tag tested a guess
    /// of the secret offline at millions a second: a secret chosen by a person (16 characters are enough to start) fell
    /// to a dictionary, and with it the cluster (mint a certificate, join, down nodes, read and sign anything). The key
    /// is stretched now: a guess costs <see cref="NodeCertificate.Iterations"/> rounds of PBKDF2-SHA256.
    /// </summary>
    [Fact]
    public void A_certificate_seen_on_the_node_port_tests_a_guess_of_the_secret_only_at_the_stretched_cost()
    {
        using var minted = new NodeCertificate(Secret).Mint("127.0.0.1:4054");
        using var seen = X509CertificateLoader.LoadCertificate(minted.Export(X509ContentType.Cert));
        var spki = seen.PublicKey.ExportSubjectPublicKeyInfo();
        var tag = seen.Extensions[NodeCertificate.TagOid]!.RawData;
        var info = System.Text.Encoding.ASCII.GetBytes("switchboard node certificate v1");
        byte[] TagUnder(byte[] key) => [0x04, 0x20, .. HMACSHA256.HashData(key, spki)];

        // The cheap derivation a guesser would try first no longer reproduces the tag.
        var cheap = HKDF.DeriveKey(HashAlgorithmName.SHA256, System.Text.Encoding.UTF8.GetBytes(Secret), 32, info: info);
        Assert.NotEqual(TagUnder(cheap), tag);
        Assert.True(NodeCertificate.Iterations >= 600_000, "OWASP's floor for PBKDF2-HMAC-SHA256");
        var stretched = Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(Secret), info, NodeCertificate.Iterations, HashAlgorithmName.SHA256, 32);
        Assert.Equal(TagUnder(stretched), tag);
    }

    [Fact]
    public void A_tag_copied_onto_a_certificate_of_another_key_does_not_pass()
    {
        var ours = new NodeCertificate(Secret);
        using var minted = ours.Mint("node");
        var tag = minted.Extensions[NodeCertificate.TagOid]!;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mallory", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension(NodeCertificate.TagOid, tag.RawData, false));
        using var forged = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Contains("not tagged with this cluster's secret", ours.Problem(forged));
    }
}
