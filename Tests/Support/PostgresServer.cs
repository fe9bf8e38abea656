using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;

namespace Switchboard.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server for specs (a class fixture: one server per spec class): its own cluster in a fresh
/// temp directory, on a free port of 127.0.0.1, its socket in that directory, and a login role with a password
/// (scram-sha-256), so connection strings carry one as real ones do. The server refuses to run as root: under root
/// it runs as the <c>postgres</c> user, the directory handed to it. Stopped (<c>pg_ctl -m immediate</c>, then a kill)
/// and deleted on dispose, and on a failed start. <c>test.sh</c> installs Debian's <c>postgresql</c> when missing.
/// </summary>
public sealed partial class PostgresServer : IAsyncLifetime
{
    private const string Admin = "sb_admin";
    public const string Host = "127.0.0.1";

    /// <summary>The role the specs' connection strings log in as: owner of the databases it gets, not a superuser.</summary>
    public const string User = "switchboard";

    private readonly string _bin = BinDirectory();
    private readonly bool _asRoot = ProcessInfo.EffectiveUid() == 0;
    private string _dir = "";
    private string _adminPassword = "";

    public int Port { get; private set; }

    /// <summary>The password of <see cref="User"/>.</summary>
    public string Password { get; private set; } = "";

    /// <summary>How long the server took to be ready (initdb, start, the role): for the record, never asserted.</summary>
    public TimeSpan StartedIn { get; private set; }

    private string DataDir => Path.Combine(_dir, "data");

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        _dir = Directory.CreateTempSubdirectory("sbpg-").FullName;
        try
        {
            if (_asRoot) Run(TimeSpan.FromSeconds(10), "chown", "postgres:postgres", _dir);
            _adminPassword = Secret();
            Password = Secret();
            var passwordFile = Path.Combine(_dir, "admin.pw");
            File.WriteAllText(passwordFile, _adminPassword + "\n");
            if (_asRoot) Run(TimeSpan.FromSeconds(10), "chown", "postgres:postgres", passwordFile);
            Server(TimeSpan.FromSeconds(60), "initdb", "-D", DataDir, "-U", Admin, $"--pwfile={passwordFile}", "--auth=scram-sha-256",
                "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions");
            File.Delete(passwordFile);
            await StartAsync();
            await using (var admin = new NpgsqlConnection(Connection(Admin, _adminPassword, "postgres")))
            {
                await admin.OpenAsync();
                // Hex: nothing to quote in SQL or in a connection string.
                await Execute(admin, $"CREATE ROLE {User} LOGIN PASSWORD '{Password}'");
            }
            StartedIn = clock.Elapsed;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    // A port is free when probed and may be taken before the server binds it: a few tries, each on a new port.
    private async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePorts.Next(Host);
            var (code, output) = TryServer(TimeSpan.FromSeconds(60), "pg_ctl", "-D", DataDir, "-l", Path.Combine(_dir, "server.log"), "-w",
                "-t", ((int)TimeSpan.FromSeconds(30).Scaled().TotalSeconds).ToString(),
                "-o", $"-p {Port} -k {_dir} -c listen_addresses={Host} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start");
            if (code == 0) return;
            var log = File.Exists(Path.Combine(_dir, "server.log")) ? await File.ReadAllTextAsync(Path.Combine(_dir, "server.log")) : "";
            if (attempt == 3 || !log.Contains("could not bind", StringComparison.Ordinal))
                throw new InvalidOperationException($"pg_ctl start failed ({code}): {output}\n{log}");
        }
    }

    /// <summary>A new database (a unique name unless given), owned by <see cref="User"/> unless
    /// <paramref name="ownedByUser"/> is false (then the administrator's: <see cref="User"/> may connect but not create
    /// tables); its connection string as <see cref="User"/>, with the password.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, bool ownedByUser = true)
    {
        name ??= "spec_" + Guid.NewGuid().ToString("N")[..12];
        if (!DatabaseName().IsMatch(name)) throw new ArgumentException($"a database name of [a-z0-9_], not '{name}'", nameof(name));
        await using var admin = new NpgsqlConnection(Connection(Admin, _adminPassword, "postgres"));
        await admin.OpenAsync();
        await Execute(admin, $"CREATE DATABASE {name} OWNER {(ownedByUser ? User : Admin)}");
        return ConnectionString(name);
    }

    public string ConnectionString(string database) => Connection(User, Password, database);

    /// <summary>Runs one of the server's client tools (pg_dump, pg_restore) as <see cref="User"/> on this server; its exit
    /// code and what it wrote. The password goes in the environment, as an operator's script passes it.</summary>
    public async Task<(int Code, string Output)> ClientToolAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(_bin, tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-h", Host, "-p", Port.ToString(), "-U", User, .. args]) start.ArgumentList.Add(a);
        start.Environment["PGPASSWORD"] = Password;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60).Scaled());
        return (process.ExitCode, await output + await errors);
    }

    private string Connection(string user, string password, string database) =>
        new NpgsqlConnectionStringBuilder { Host = Host, Port = Port, Username = user, Password = password, Database = database, Pooling = false }.ConnectionString;

    public async Task DisposeAsync()
    {
        if (_dir.Length == 0 || !Directory.Exists(_dir)) return;
        var pidFile = Path.Combine(DataDir, "postmaster.pid");
        if (File.Exists(pidFile))
        {
            TryServer(TimeSpan.FromSeconds(20), "pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "-t", "10", "stop");
            // pg_ctl gave up or could not run: the postmaster itself (its pid is the file's first line).
            if (File.Exists(pidFile) && int.TryParse((await File.ReadAllLinesAsync(pidFile)).FirstOrDefault(), out var pid) && pid > 0)
                Posix.Kill(pid, 9);
        }
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { } // a backend still exiting may hold a file for a moment: the temp directory is swept anyway
    }

    private void Server(TimeSpan timeout, string program, params string[] args)
    {
        var (code, output) = TryServer(timeout, program, args);
        if (code != 0) throw new InvalidOperationException($"{program} failed ({code}): {output}");
    }

    private (int Code, string Output) TryServer(TimeSpan timeout, string program, params string[] args) => _asRoot
        ? TryRun(timeout, "runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. args])
        : TryRun(timeout, Path.Combine(_bin, program), args);

    private static void Run(TimeSpan timeout, string program, params string[] args)
    {
        var (code, output) = TryRun(timeout, program, args);
        if (code != 0) throw new InvalidOperationException($"{program} failed ({code}): {output}");
    }

    private static (int Code, string Output) TryRun(TimeSpan timeout, string program, string[] args)
    {
        // pg_ctl leaves the server holding its inherited stdout: read to the end only what the tool itself wrote, so
        // output goes to files, not pipes.
        var output = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("/bin/sh", ["-c", "exec \"$0\" \"$@\" >\"$OUT\" 2>&1 </dev/null", program, .. args]);
            start.Environment["OUT"] = output;
            using var p = Process.Start(start)!;
            if (!p.WaitForExit(timeout.Scaled()))
            {
                p.Kill(entireProcessTree: true);
                return (-1, $"{program} did not finish within {timeout.Scaled()}");
            }
            return (p.ExitCode, File.ReadAllText(output).Trim());
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static async Task Execute(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }

    private static string Secret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    // The newest installed server (Debian: /usr/lib/postgresql/VERSION/bin).
    private static string BinDirectory()
    {
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault()
            : default;
        return found.Dir ?? throw new InvalidOperationException("no PostgreSQL server under /usr/lib/postgresql: apt-get install postgresql (test.sh does)");
    }

    [GeneratedRegex("^[a-z0-9_]{1,63}$")]
    private static partial Regex DatabaseName();
}
