using Switchboard.Messages.Transport.Tls;
using Switchboard.Support;

namespace Switchboard.Benchmarks.Load;

/// <summary>Where the built server, the echo server and the hocon files are, and a run's private config.</summary>
public sealed class LoadEnvironment : IDisposable
{
    public string ServerDll { get; }
    public string BenchDll { get; }
    public string ServerHocon { get; }
    public string ClientHocon { get; }
    private readonly string _dir;
    private readonly string _root, _config;
    /// <summary>The server's and the echo server's TLS options (none without --tls).</summary>
    private readonly string[] _serverTls = [];

    /// <summary>The load clients' TLS setup: a client certificate of the CA, mutual TLS. Null without --tls.</summary>
    public TlsRemoting? ClientTls { get; }

    public LoadEnvironment(bool keepRateLimit, string? tlsDir = null)
    {
        var root = _root = RepoRoot.Find();
        var config = _config = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        ServerDll = Built(root, "ActorServer", config);
        BenchDll = Built(root, "Benchmarks", config);
        var hocon = Path.Combine(Path.GetDirectoryName(ServerDll)!, "hocon");
        _dir = Directory.CreateTempSubdirectory("sbload-").FullName;
        File.Copy(Path.Combine(hocon, "shared.hocon"), Path.Combine(_dir, "shared.hocon"));
        File.Copy(Path.Combine(hocon, "client.hocon"), Path.Combine(_dir, "client.hocon"));
        // The load measures the request path, not the per-client rate limiter (200/s by default); its fleets put
        // many clients in one actor system and register them at once, past the per-address and per-second bounds.
        File.WriteAllText(Path.Combine(_dir, "server.hocon"), File.ReadAllText(Path.Combine(hocon, "server.hocon")) +
            (keepRateLimit ? "" : "\n# load generator: rate limit off\nswitchboard.rate-limit.per-second = 0\n") +
            "\n# load generator: fleets of clients per actor system\nswitchboard.registration { per-address = 4096, per-second = 0, per-host = 0, per-host-per-second = 0 }\n" +
            // Every client system of a run shares this one process and 2 cores with the server: under a loaded box their
            // heartbeats can lag past the 8 s backstop and the server would end live sessions mid-run. Heartbeats still
            // flow at the same rate, so the request path measured is unchanged; dead clients are not tested here.
            "\n# load generator: a patient failure detector for N client systems in one process\nakka.remote.watch-failure-detector.acceptable-heartbeat-pause = 60s\n" +
            // Only a server with --data keeps accounts (messaging --durable reserves its clients' names): the run measures
            // the history's writes, not 600,000 PBKDF2 rounds per registration.
            "\n# load generator: cheap password hashes for the clients' reserved names\nswitchboard.accounts.iterations = 1000\n" +
            // Every load client is on 127.0.0.1, and a run reserves one name per client.
            "switchboard.accounts.reserves-per-host.per-hour = 0\n");
        ServerHocon = Path.Combine(_dir, "server.hocon");
        ClientHocon = Path.Combine(_dir, "client.hocon");
        if (tlsDir is not null)
        {
            var ca = Path.Combine(tlsDir, "ca.pem");
            _serverTls = ["--tls-cert", Path.Combine(tlsDir, "server.pfx"), "--tls-ca", ca];
            ClientTls = TlsRemoting.ForClient(Path.Combine(tlsDir, "client.pfx"), ca, Switchboard.Messages.Startup.SwitchboardConfig.Load(ClientHocon));
        }
    }

    /// <summary>The built console client (<c>client-cost</c> runs it as a process; the other commands never need it).</summary>
    public string ClientDll() => Built(_root, "ActorClient", _config);

    private static string Built(string root, string project, string config)
    {
        foreach (var c in new[] { config, config == "Release" ? "Debug" : "Release" })
        {
            var p = Path.Combine(root, project, "bin", c, "net10.0", project + ".dll");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"build {project} first (dotnet build -c Release)");
    }

    /// <summary>A fresh data directory inside this run's folder (made by whoever uses it; deleted with the folder).</summary>
    public string NewDataDir() => Path.Combine(_dir, "data-" + Guid.NewGuid().ToString("N")[..12]);

    public static string NewSegment() => "sbload-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A fresh server keeping accounts and history (SQLite) in <paramref name="data"/>, or in a fresh directory of
    /// this run: never the user's default one, which every server started without --data shares (other runs' servers
    /// would contend for its file lock, and their rooms' history would replay into this run). Its segment is deleted
    /// with it, also when it had to be killed (4,096 sessions on a loaded box can take more than the 5 s it is given).</summary>
    public Task<ServerProcess> StartServerAsync(string? data = null)
    {
        var segment = NewSegment();
        return ServerProcess.StartAsync(ServerDll, ["--port", "0", "--host", "127.0.0.1", "--segment", segment, "--config", ServerHocon, .. _serverTls,
                "--data", data ?? NewDataDir()], segment, TimeSpan.FromSeconds(60));
    }

    /// <summary>A fresh cluster secret in a 0600 file (the caller deletes it once the nodes have read it).</summary>
    public static string NewClusterSecret()
    {
        var secret = Path.Combine(Path.GetTempPath(), $"sb-load-cluster-{Environment.ProcessId}-{Guid.NewGuid():N}.secret");
        File.WriteAllText(secret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return secret;
    }

    /// <summary>A one-node cluster on 127.0.0.1 keeping its data in the PostgreSQL of <paramref name="db"/> (--db).</summary>
    public async Task<ServerProcess> StartClusterNodeAsync(string db)
    {
        var secret = NewClusterSecret();
        try
        {
            var (port, clusterPort) = (Switchboard.Server.Hosting.StartChecks.FreePort("127.0.0.1"), Switchboard.Server.Hosting.StartChecks.FreePort("127.0.0.1"));
            return await ServerProcess.StartAsync(ServerDll, ["--cluster", "--host", "127.0.0.1", "--port", port.ToString(), "--cluster-port", clusterPort.ToString(),
                "--seeds", $"127.0.0.1:{clusterPort}", "--cluster-secret-file", secret, "--config", ServerHocon, "--db", db], null, TimeSpan.FromSeconds(90));
        }
        finally { File.Delete(secret); } // read at start
    }

    /// <summary>Cluster-mode nodes, one on each of <paramref name="hosts"/> (loopback addresses), each seeding from all;
    /// without a store. If one fails to start, the others are stopped.</summary>
    public async Task<ServerProcess[]> StartClusterAsync(IReadOnlyList<string> hosts)
    {
        var ports = hosts.Select(h => (Host: h, Port: Switchboard.Server.Hosting.StartChecks.FreePort(h), Cluster: Switchboard.Server.Hosting.StartChecks.FreePort(h))).ToList();
        var seeds = string.Join(',', ports.Select(p => $"{p.Host}:{p.Cluster}"));
        var secret = NewClusterSecret();
        var starts = ports.Select(p => ServerProcess.StartAsync(ServerDll, ["--cluster", "--host", p.Host, "--port", p.Port.ToString(), "--cluster-port", p.Cluster.ToString(),
            "--seeds", seeds, "--cluster-secret-file", secret, "--config", ServerHocon], null, TimeSpan.FromSeconds(90))).ToList();
        try { return await Task.WhenAll(starts); }
        catch
        {
            foreach (var t in starts.Where(t => t.IsCompletedSuccessfully)) t.Result.Dispose();
            throw;
        }
        finally { File.Delete(secret); } // read at start
    }

    public Task<ServerProcess> StartEchoAsync() =>
        ServerProcess.StartAsync(BenchDll, ["echo-server", "--port", "0", "--config", ServerHocon, .. _serverTls], null, TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
