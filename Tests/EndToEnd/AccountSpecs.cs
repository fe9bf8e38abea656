namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// Names people own, as a person meets them: real server and client processes on 127.0.0.1, the server's data in a
/// temporary --data directory, passwords in 0600 files (never on a command line).
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AccountSpecs : IDisposable
{
    private const string AlicePassword = "down-the-rabbit-hole-42";
    // A process's exit (or a tool's whole run): a .NET start and an actor system's shutdown, seconds on a loaded box.
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbaccounts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data => Path.Combine(_dir, "data");

    private string Secret(string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text + "\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static async Task<int> RefusedAsync(ServerNode server, string name, int code, params string[] extra)
    {
        await using var client = await ClientSession.StartAsync(name, server.Address, extra);
        Assert.Equal(code, client.Registration.GetProperty("code").GetInt32());
        Assert.Equal(3, await client.Process.WaitForExitAsync(Exit));
        return code;
    }

    [Fact]
    public async Task Alice_reserves_her_name_and_after_a_restart_only_her_password_registers_it()
    {
        var passwordFile = Secret(AlicePassword);
        await using (var first = await ServerNode.StartAsync(extra: ["--data", Data]))
        {
            await using var alice = await first.ConnectAsync("alice", "--password-file", passwordFile);
            Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());
            var reserved = await alice.SendAsync("reserve");
            Assert.Equal(200, reserved.GetProperty("code").GetInt32());
            Assert.Equal("reserved", reserved.GetProperty("result").GetString());
            await first.StopAsync();
            Assert.DoesNotContain(AlicePassword, first.Process.StdErr);
            Assert.DoesNotContain(AlicePassword, alice.Process.StdErr + alice.Process.StdOut);
        }

        await using var second = await ServerNode.StartAsync(extra: ["--data", Data]);
        await RefusedAsync(second, "alice", 403);
        await RefusedAsync(second, "alice", 403, "--password-file", Secret("mallory-guesses"));
        await using (var alice = await second.ConnectAsync("alice", "--password-file", passwordFile))
        {
            Assert.Equal(200, alice.Registration.GetProperty("code").GetInt32());
            Assert.Equal(2, (await alice.SendAsync("calc 1 + 1")).GetProperty("result").GetInt64());
            // A new password from a file; the client presents it from then on.
            var changed = await alice.SendAsync("passwd " + Secret("through-the-looking-glass"));
            Assert.Equal("password changed", changed.GetProperty("result").GetString());
        }
        await RefusedAsync(second, "alice", 403, "--password-file", passwordFile);
        await using (var alice = await second.ConnectAsync("alice", "--password-file", Secret("through-the-looking-glass")))
            Assert.Equal("released", (await alice.SendAsync("release")).GetProperty("result").GetString());
        await using var anyone = await second.ConnectAsync("alice");
        Assert.Equal(200, anyone.Registration.GetProperty("code").GetInt32()); // a guest's name again
        await second.StopAsync();
        Assert.Contains($"data store: SQLite {Path.Combine(Data, "switchboard.db")}", second.Process.StdErr);
        Assert.DoesNotContain(AlicePassword, second.Process.StdErr);
    }

    [Fact]
    public async Task Wrong_passwords_reach_429_and_then_the_name_waits_even_for_the_right_one()
    {
        var config = Path.Combine(_dir, "penalty.hocon");
        File.WriteAllText(config, "switchboard.accounts { failures-before-penalty = 3, first-penalty = 1h, max-penalty = 1h }\n");
        var passwordFile = Secret(AlicePassword);
        await using var server = await ServerNode.StartAsync(extra: ["--data", Data, "--config", config]);
        await using (var alice = await server.ConnectAsync("alice", "--password-file", passwordFile))
            Assert.Equal(200, (await alice.SendAsync("reserve")).GetProperty("code").GetInt32());

        for (var i = 0; i < 3; i++) await RefusedAsync(server, "alice", 403, "--password-file", Secret($"guess-{i}"));
        await RefusedAsync(server, "alice", 429, "--password-file", Secret("guess-3"));
        await RefusedAsync(server, "alice", 429, "--password-file", passwordFile);
    }

    [Fact]
    public async Task A_data_directory_open_to_others_or_a_damaged_file_stops_the_server_at_start()
    {
        Directory.CreateDirectory(Data);
        File.SetUnixFileMode(Data, (UnixFileMode)0b111_101_101); // 0755
        await using (var open = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--data", Data], redirectInput: false))
        {
            Assert.Equal(1, await open.WaitForExitAsync(Exit));
            Assert.Contains($"error: data directory {Data} is mode 0755, open to other users; make it private: chmod 700 {Data}", open.StdErr);
        }
        File.SetUnixFileMode(Data, (UnixFileMode)0b111_000_000);
        var file = Path.Combine(Data, "switchboard.db");
        File.WriteAllText(file, "this is not a database, whatever its name says");
        File.SetUnixFileMode(file, (UnixFileMode)0b110_000_000);
        await using var damaged = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--data", Data], redirectInput: false);
        Assert.Equal(1, await damaged.WaitForExitAsync(Exit));
        Assert.Contains($"error: data file {file} is not a sound SQLite database", damaged.StdErr);
    }

    [Fact]
    public async Task A_password_for_a_server_off_this_host_without_TLS_is_refused_before_it_is_sent()
    {
        await using var client = new ChildProcess(Binaries.Client, ["alice", "--server", "192.0.2.7:4053", "--json", "--password-file", Secret(AlicePassword)]);
        Assert.Equal(2, await client.WaitForExitAsync(Exit));
        Assert.Contains("without TLS the password would travel in the clear to 192.0.2.7:4053", client.StdErr);
        Assert.Contains("--allow-cleartext-password", client.StdErr);
    }
}
