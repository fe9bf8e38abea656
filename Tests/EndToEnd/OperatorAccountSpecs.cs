using Microsoft.Data.Sqlite;

namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// The operator's way out for a forgotten password, on real processes: <c>ActorServer accounts set-password</c>,
/// <c>release</c> and <c>list</c> on the data directory of a stopped server, through the same account actors and journal
/// as the server, so the server started afterwards reads what they wrote; refused while a server holds the directory.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OperatorAccountSpecs : IDisposable
{
    private const string AlicePassword = "down-the-rabbit-hole-42";
    private const string NewPassword = "through-the-looking-glass";
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbopaccounts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data => Path.Combine(_dir, "data");

    private string Secret(string text)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static async Task<int> RegisterAsync(ServerNode server, string name, params string[] extra)
    {
        await using var client = await ClientSession.StartAsync(name, server.Address, extra);
        return client.Registration.GetProperty("code").GetInt32();
    }

    // The command as an operator runs it; stdin, when given, is the new password's line.
    private async Task<(int Code, string Out, string Err)> AccountsAsync(string? stdin, params string[] args)
    {
        await using var tool = new ChildProcess(Binaries.Server, ["accounts", .. args], redirectInput: stdin is not null);
        if (stdin is not null)
        {
            await tool.WriteLineAsync(stdin);
            tool.CloseInput();
        }
        var code = await tool.WaitForExitAsync(Exit);
        return (code, tool.StdOut, tool.StdErr);
    }

    private async Task ReserveAliceAsync(ServerNode server)
    {
        await using var alice = await server.ConnectAsync("alice", "--password-file", Secret(AlicePassword));
        Assert.Equal("reserved", (await alice.SendAsync("reserve")).GetProperty("result").GetString());
    }

    // The journal's rows of one persistence id, read as a server's next start reads them: (is_deleted, sequence_nr).
    private List<(bool Deleted, long Seq)> Rows(string persistenceId)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(Data, "switchboard.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var read = db.CreateCommand();
        read.CommandText = "SELECT is_deleted, sequence_nr FROM event_journal WHERE persistence_id = $id ORDER BY sequence_nr";
        read.Parameters.AddWithValue("$id", persistenceId);
        using var rows = read.ExecuteReader();
        var all = new List<(bool, long)>();
        while (rows.Read()) all.Add((rows.GetInt64(0) != 0, rows.GetInt64(1)));
        return all;
    }

    [Fact]
    public async Task After_set_password_on_the_stopped_servers_directory_the_old_password_fails_and_the_new_one_registers_alice()
    {
        await using (var first = await ServerNode.StartAsync(extra: ["--data", Data]))
        {
            await ReserveAliceAsync(first);
            await first.StopAsync();
        }

        // A name typed in another case is another name, and not reserved: the refusal names the reserved one (a new
        // operator's finding: "'Alice' is not reserved" alone read as if alice's reservation were gone).
        var otherCase = await AccountsAsync(NewPassword, "set-password", "Alice", "--data", Data);
        Assert.Equal(4, otherCase.Code);
        Assert.Contains("accounts: 'Alice' is not reserved; nothing was changed (the reserved name is 'alice': names are told apart by case)",
            otherCase.Err);

        // Checked before the password is read: an operator at a terminal typed it twice for a name that was not
        // reserved, then heard so (a new operator's finding); with nothing on stdin, "not reserved", not "empty".
        var notReserved = await AccountsAsync("", "set-password", "carol", "--data", Data);
        Assert.Equal(4, notReserved.Code);
        Assert.Contains("accounts: 'carol' is not reserved; nothing was changed", notReserved.Err);
        Assert.DoesNotContain("password", notReserved.Err);

        var empty = await AccountsAsync("", "set-password", "alice", "--data", Data);
        Assert.Equal(2, empty.Code);
        Assert.Contains("the password is empty", empty.Err);

        var (code, output, error) = await AccountsAsync(NewPassword, "set-password", "alice", "--data", Data);
        Assert.True(code == 0, error);
        Assert.Contains("'alice': password changed", output);
        Assert.DoesNotContain(NewPassword, output + error);

        await using var second = await ServerNode.StartAsync(extra: ["--data", Data]);
        Assert.Equal(403, await RegisterAsync(second, "alice", "--password-file", Secret(AlicePassword)));
        Assert.Equal(403, await RegisterAsync(second, "alice"));
        await using (var alice = await second.ConnectAsync("alice", "--password-file", Secret(NewPassword)))
            Assert.Equal(2, (await alice.SendAsync("calc 1 + 1")).GetProperty("result").GetInt64());
        await second.StopAsync();
        Assert.DoesNotContain(NewPassword, second.Process.StdErr);
    }

    [Fact]
    public async Task Release_on_the_stopped_servers_directory_leaves_no_hash_behind_and_lets_someone_else_take_alice()
    {
        await using (var first = await ServerNode.StartAsync(extra: ["--data", Data]))
        {
            await ReserveAliceAsync(first);
            // A DM held for alice while she is offline: her inbox has something the next owner must not inherit.
            await using var bob = await first.ConnectAsync("bob");
            Assert.Equal(202, (await bob.SendAsync("tell alice are you there?")).GetProperty("code").GetInt32());
            await first.StopAsync();
        }
        Assert.Contains((false, 1L), Rows("account-alice"));
        Assert.Contains(Rows("inbox-alice"), r => !r.Deleted);

        var listed = await AccountsAsync(null, "list", "--data", Data);
        Assert.True(listed.Code == 0, listed.Err);
        Assert.Equal("alice", listed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single().Split('\t')[0]);

        var (code, output, error) = await AccountsAsync(null, "release", "alice", "--data", Data);
        Assert.True(code == 0, error);
        Assert.Contains("'alice': released", output);
        // As the user's own release: the events holding her password hashes are gone, only the release stays (flagged).
        Assert.Equal([(true, 3L)], Rows("account-alice")); // after the reservation (1) and the host it came from (2)
        Assert.DoesNotContain(Rows("inbox-alice"), r => !r.Deleted);

        listed = await AccountsAsync(null, "list", "--data", Data);
        Assert.Equal(0, listed.Code);
        Assert.Equal("", listed.Out.Trim());
        Assert.Contains("no name is reserved", listed.Err);
        var again = await AccountsAsync(null, "release", "alice", "--data", Data);
        Assert.Equal(4, again.Code);
        Assert.Contains("'alice' is not reserved", again.Err);

        await using var second = await ServerNode.StartAsync(extra: ["--data", Data]);
        Assert.Equal(200, await RegisterAsync(second, "alice")); // a guest's name again
        await using (var carol = await second.ConnectAsync("alice", "--password-file", Secret("carol-is-alice-now")))
            Assert.Equal("reserved", (await carol.SendAsync("reserve")).GetProperty("result").GetString());
        Assert.Equal(403, await RegisterAsync(second, "alice", "--password-file", Secret(AlicePassword)));
    }

    [Fact]
    public async Task While_a_server_holds_the_directory_release_and_set_password_are_refused_and_nothing_changes()
    {
        await using var server = await ServerNode.StartAsync(extra: ["--data", Data]);
        await ReserveAliceAsync(server);

        var release = await AccountsAsync(null, "release", "alice", "--data", Data);
        Assert.Equal(3, release.Code);
        var line = Assert.Single(release.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"a server is running on {Data} (segment '{server.Segment}'", line);
        Assert.Contains("stop every node of it first", line);
        var passwd = await AccountsAsync(NewPassword, "set-password", "alice", "--data", Data);
        Assert.Equal(3, passwd.Code);
        Assert.Contains("a server is running on", passwd.Err);
        // Reading is harmless: list works while the server runs.
        var listed = await AccountsAsync(null, "list", "--data", Data);
        Assert.Equal(0, listed.Code);
        Assert.StartsWith("alice\t", listed.Out);

        Assert.Equal(403, await RegisterAsync(server, "alice"));
        Assert.Equal(200, await RegisterAsync(server, "alice", "--password-file", Secret(AlicePassword)));
    }

    [Fact]
    public async Task Usage_mistakes_are_exit_2_and_a_missing_store_is_exit_1_with_nothing_made()
    {
        var missing = Path.Combine(_dir, "nothing-here");
        var none = await AccountsAsync(null, "release", "alice", "--data", missing);
        Assert.Equal(1, none.Code);
        Assert.Contains($"no data store in {missing}", none.Err);
        Assert.False(Directory.Exists(missing));

        Assert.Equal(2, (await AccountsAsync(null, "release", "no/such name", "--data", missing)).Code);
        Assert.Equal(2, (await AccountsAsync(null, "release", "--data", missing)).Code);
    }
}
