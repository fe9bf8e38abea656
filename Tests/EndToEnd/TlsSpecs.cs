using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// Akka.Remote over TLS between real processes, with certificates made by tls-certs.sh's recipe: every peer is checked
/// against the given CA alone. A client that cannot open the association exits 4 (server unreachable), as when no
/// server listens; the server goes on serving everyone else.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class TlsSpecs(TlsCertificates certs) : IClassFixture<TlsCertificates>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_client_with_a_certificate_of_the_CA_registers_and_runs_requests_over_akka_ssl_tcp()
    {
        await using var server = await ServerNode.StartAsync(extra: certs.Server());
        Assert.Contains($"listening on akka.ssl.tcp://switchboard@{server.Address}", server.Process.StdOut);
        await using var alice = await ClientSession.StartAsync("alice", server.Address, certs.Client);
        Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());
        var sum = await alice.SendAsync("calc 40 + 2");
        Assert.Equal((200, 42L), (sum.GetProperty("code").GetInt32(), sum.GetProperty("result").GetInt64()));
        Assert.True((await alice.SendAsync("prime 97")).GetProperty("result").GetBoolean());
    }

    [Fact]
    public async Task A_client_with_a_certificate_of_another_CA_or_with_none_cannot_register_and_the_server_keeps_serving()
    {
        await using var server = await ServerNode.StartAsync(extra: certs.Server());
        await using var alice = await ClientSession.StartAsync("alice", server.Address, certs.Client);
        Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());

        // Trusts the server's CA (and its own), presents a certificate of the rogue CA: the server refuses the handshake.
        var rogue = await RefusedAsync("mallory", server.Address, "--tls-cert", certs.RogueClientPfx, "--tls-ca", certs.RogueBundle);
        Assert.Contains("server refused this client's certificate", rogue.StdErr);
        // Checks the server, presents nothing: the server requires a certificate.
        await RefusedAsync("nobody", server.Address, "--tls-ca", certs.Ca);
        // No TLS options at all: unreachable too, with a hint that the server may require TLS.
        var plain = await RefusedAsync("plain", server.Address);
        Assert.Contains("if it requires TLS, give --tls-ca and --tls-cert", plain.StdErr);

        // A client knows of its refusal before the server's log line is out: waited for.
        await server.Process.WaitForStdErrAsync("refused peer", Patience);
        Assert.Equal(200, (await alice.SendAsync("calc 1 + 1")).GetProperty("code").GetInt32());
        await using var bob = await ClientSession.StartAsync("bob", server.Address, certs.Client);
        Assert.Equal(200, bob.Registration.GetProperty("code").GetInt32());
        var who = await bob.SendAsync("who");
        Assert.Equal(["alice", "bob"], who.GetProperty("result").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).Order());
    }

    [Fact]
    public async Task Each_refused_connection_is_one_warning_naming_the_peer_and_why_without_a_stack()
    {
        await using var server = await ServerNode.StartAsync(extra: certs.Server());
        // Plaintext (a client or a node without TLS options), TLS without a certificate, TLS with one of another CA.
        var plain = await RefusedConnectionAsync(server.Port, async tcp =>
        {
            await tcp.GetStream().WriteAsync("hello there\n"u8.ToArray());
            await ReadToEndAsync(tcp.GetStream());
        });
        var noCertificate = await RefusedConnectionAsync(server.Port, tcp => HandshakeAsync(tcp, null));
        using var rogue = X509CertificateLoader.LoadPkcs12FromFile(certs.RogueClientPfx, certs.Password);
        var otherCa = await RefusedConnectionAsync(server.Port, tcp => HandshakeAsync(tcp, rogue));

        // Everything the server logged about them is out once it stopped.
        await server.StopAsync();
        var log = server.Process.StdErr;
        string Said(int port)
        {
            var lines = log.Split('\n').Where(l => Regex.IsMatch(l, $@"127\.0\.0\.1\]?:{port}\b")).ToList();
            Assert.True(lines.Count == 1, $"expected one line about port {port}, got {lines.Count}:\n{string.Join('\n', lines)}\nlog:\n{log}");
            Assert.Contains($" warn: tls[0] TLS: refused peer 127.0.0.1:{port}: ", lines[0]);
            return lines[0];
        }
        Assert.Contains("not TLS", Said(plain));
        Assert.Contains("presented no certificate", Said(noCertificate));
        Assert.Contains("(issuer 'CN=Rogue CA') is not trusted by the CA", Said(otherCa));
        Assert.DoesNotContain("   at ", log);
        Assert.DoesNotContain("fail:", log);
        Assert.DoesNotContain("SSL/TLS record", log);
        Assert.DoesNotContain("malicious", log);
    }

    // Connects, lets the peer do its part, and waits until the server hangs up; the local port names the peer in the log.
    private static async Task<int> RefusedConnectionAsync(int port, Func<TcpClient, Task> talk)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var local = ((System.Net.IPEndPoint)tcp.Client.LocalEndPoint!).Port;
        try
        {
            await talk(tcp).WaitAsync(Patience.Scaled());
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { }
        return local;
    }

    private static async Task HandshakeAsync(TcpClient tcp, X509Certificate2? certificate)
    {
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = certificate is null ? null : [certificate],
        });
        // TLS 1.3 ends the client's handshake before the server checked its certificate: the refusal comes after.
        await ReadToEndAsync(tls);
    }

    private static async Task ReadToEndAsync(Stream stream)
    {
        var buffer = new byte[256];
        while (await stream.ReadAsync(buffer) > 0) { }
    }

    [Fact]
    public async Task With_client_certificates_not_required_a_client_with_only_the_CA_registers()
    {
        await using var server = await ServerNode.StartAsync(extra: certs.Server("--tls-client-certs", "none"));
        await using var carol = await ClientSession.StartAsync("carol", server.Address, "--tls-ca", certs.Ca);
        Assert.Equal(200, carol.Registration.GetProperty("code").GetInt32());
        Assert.Equal("even", (await carol.SendAsync("even 10")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_servers_CA_refuses_the_server()
    {
        // The server checks no client certificate: with TLS 1.3 a server that refuses this client's (of the same
        // rogue CA) may close before this client has checked the server's, and which refusal comes first is a race.
        await using var server = await ServerNode.StartAsync(extra: certs.Server("--tls-client-certs", "none"));
        var client = await RefusedAsync("dave", server.Address, "--tls-ca", certs.RogueCa);
        Assert.Contains("this client refused the server's certificate", client.StdErr);
        Assert.Contains("CN=switchboard-server", client.StdErr);
    }

    [Fact]
    public async Task Two_TLS_nodes_sharing_a_segment_route_a_tell_between_their_clients()
    {
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment, extra: certs.Server());
        await using var b = await ServerNode.StartAsync(segment, extra: certs.Server());
        await using var alice = await a.ConnectAsync("alice", certs.Client);
        await using var carol = await b.ConnectAsync("carol", certs.Client);
        Assert.Equal((200, 200), (alice.Registration.GetProperty("code").GetInt32(), carol.Registration.GetProperty("code").GetInt32()));

        Assert.Equal(200, (await alice.SendAsync("tell carol over tls")).GetProperty("code").GetInt32());
        var m = JsonDocument.Parse(await carol.Process.WaitForLineAsync(l => l.Contains("\"event\":\"message\""), Patience)).RootElement;
        Assert.Equal(("alice", "over tls", true), (m.GetProperty("from").GetString(), m.GetProperty("text").GetString(), m.GetProperty("direct").GetBoolean()));
    }

    [Fact]
    public async Task A_holder_of_a_client_certificate_cannot_pose_as_the_server()
    {
        // An impostor listening with client.pfx (the CA's, clientAuth only), as any client's holder could: the client
        // refuses it at the handshake, before its Register (name, token, password) leaves.
        using var impostorCertificate = X509CertificateLoader.LoadPkcs12FromFile(certs.ClientPfx, certs.Password);
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var impostor = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var tcp = await listener.AcceptTcpClientAsync(stop.Token);
                try
                {
                    await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = impostorCertificate, ClientCertificateRequired = true });
                    await ReadToEndAsync(tls);
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { }
            }
        });
        try
        {
            var client = await RefusedAsync("alice", $"127.0.0.1:{port}", certs.Client);
            Assert.Contains("this client refused the server's certificate", client.StdErr);
            Assert.Contains("serverAuth", client.StdErr);
        }
        finally
        {
            stop.Cancel();
            await impostor.ContinueWith(_ => { });
        }
    }

    [Fact]
    public async Task A_server_refuses_to_start_with_a_certificate_not_made_for_serving()
    {
        await AssertUsageAsync(Binaries.Server, ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--tls-cert", certs.ClientPfx, "--tls-ca", certs.Ca], "serverAuth");
    }

    [Fact]
    public async Task Bad_TLS_files_or_password_are_one_error_line_and_exit_2()
    {
        var missing = Path.Combine(certs.Dir, "missing.pfx");
        await AssertUsageAsync(Binaries.Server, ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--tls-cert", missing, "--tls-ca", certs.Ca], "file not found");
        await AssertUsageAsync(Binaries.Server, ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--tls-cert", certs.ServerPfx], "--tls-ca");
        await AssertUsageAsync(Binaries.Server, ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--tls-cert", certs.Ca, "--tls-ca", certs.Ca], "PKCS#12");
        await AssertUsageAsync(Binaries.Client, ["eve", "--server", "127.0.0.1:1", "--json", "--tls-cert", certs.RogueClientPfx, "--tls-ca", certs.Ca], "not trusted by the CA");
        await AssertUsageAsync(Binaries.Client, ["eve", "--server", "127.0.0.1:1", "--json", "--tls-ca", certs.ClientPfx], "--tls-ca");
    }

    [Fact]
    public async Task A_wrong_password_is_one_error_line_and_exit_2_and_the_password_is_never_printed()
    {
        await using var p = new ChildProcess(Binaries.Server,
            ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--tls-cert", certs.OtherPasswordPfx, "--tls-ca", certs.Ca,
                "--data", SpecData.For(ServerNode.NewSegmentName())], redirectInput: false);
        Assert.Equal(2, await p.WaitForExitAsync(Patience));
        Assert.Contains("SWITCHBOARD_TLS_PASSWORD is not its password", p.StdErr);
        Assert.DoesNotContain(certs.Password, p.StdErr + p.StdOut);
        Assert.DoesNotContain("   at ", p.StdErr);
        Assert.Single(p.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Starts a client that must fail to register: code 400 (unreachable), exit 4.</summary>
    private static async Task<ChildProcess> RefusedAsync(string name, string server, params string[] tls)
    {
        var p = new ChildProcess(Binaries.Client, [name, "--server", server, "--json", .. tls]);
        try
        {
            Assert.Equal(4, await p.WaitForExitAsync(Patience));
            var line = JsonDocument.Parse(p.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]).RootElement;
            Assert.Equal(("registered", 400), (line.GetProperty("event").GetString(), line.GetProperty("code").GetInt32()));
            return p;
        }
        finally
        {
            await p.DisposeAsync();
        }
    }

    private static async Task AssertUsageAsync(string dll, string[] args, string expected)
    {
        // A data directory of its own: the default one may be held by another spec's server at that moment, and a
        // server refused its directory exits 1 before its TLS files are read.
        if (dll == Binaries.Server) args = [.. args, "--data", SpecData.For(ServerNode.NewSegmentName())];
        await using var p = new ChildProcess(dll, args, redirectInput: false);
        Assert.Equal(2, await p.WaitForExitAsync(Patience));
        var lines = p.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }
}
