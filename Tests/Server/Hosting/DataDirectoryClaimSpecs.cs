namespace Switchboard.Tests.Server.Hosting;

/// <summary>One server per data directory: the nodes of its segment share it, another server's nodes are refused.</summary>
public sealed class DataDirectoryClaimSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-claim-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_nodes_of_one_segment_share_the_directory_and_another_servers_node_is_refused_while_they_run()
    {
        using var first = DataDirectoryClaim.Take(_dir, "seg-a", out var problem);
        Assert.NotNull(first);
        Assert.Null(problem);
        using var second = DataDirectoryClaim.Take(_dir, "seg-a", out problem);
        Assert.NotNull(second);

        Assert.Null(DataDirectoryClaim.Take(_dir, "seg-b", out problem));
        Assert.Contains("in use by another server (segment 'seg-a')", problem);
        Assert.Contains("--segment seg-a", problem);
        if (OperatingSystem.IsLinux())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, DataDirectoryClaim.FileName)));
    }

    [Fact]
    public void Once_every_node_of_a_server_has_stopped_the_directory_is_the_next_servers()
    {
        var a1 = DataDirectoryClaim.Take(_dir, "seg-a", out _)!;
        var a2 = DataDirectoryClaim.Take(_dir, "seg-a", out _)!;
        a1.Dispose();
        Assert.Null(DataDirectoryClaim.Take(_dir, "seg-b", out _)); // one node of seg-a still runs
        a2.Dispose();

        using var b = DataDirectoryClaim.Take(_dir, "seg-b", out var problem);
        Assert.NotNull(b);
        Assert.Null(DataDirectoryClaim.Take(_dir, "seg-a", out problem));
        Assert.Contains("segment 'seg-b'", problem);
    }

    [Fact]
    public void A_longer_name_written_before_does_not_linger_behind_a_shorter_one()
    {
        DataDirectoryClaim.Take(_dir, "a-rather-long-segment-name", out _)!.Dispose();
        using var b = DataDirectoryClaim.Take(_dir, "short", out var problem);
        Assert.NotNull(b);
        Assert.Equal("short", File.ReadAllText(Path.Combine(_dir, DataDirectoryClaim.FileName)));
    }

    [Fact]
    public void An_offline_command_takes_the_directory_alone_only_while_no_server_holds_it_and_keeps_servers_out_meanwhile()
    {
        using (var node = DataDirectoryClaim.Take(_dir, "seg-a", out _))
        {
            Assert.Null(DataDirectoryClaim.TakeAlone(_dir, out var holder, out var problem));
            Assert.Equal("seg-a", holder);
            Assert.Null(problem);
        }

        using (var alone = DataDirectoryClaim.TakeAlone(_dir, out var holder, out var problem))
        {
            Assert.NotNull(alone);
            Assert.Null(holder);
            Assert.Null(DataDirectoryClaim.Take(_dir, "seg-a", out problem));
            Assert.Contains("an offline command (ActorServer accounts) is at work on it", problem);
            Assert.Null(DataDirectoryClaim.TakeAlone(_dir, out holder, out problem));
            Assert.Null(holder);
            Assert.Contains("another offline command (ActorServer accounts) is at work on it", problem);
        }
        using var after = DataDirectoryClaim.Take(_dir, "seg-a", out var none);
        Assert.NotNull(after);
        Assert.Equal("seg-a", File.ReadAllText(Path.Combine(_dir, DataDirectoryClaim.FileName)));
    }

    [Fact]
    public void A_withdrawn_claim_removes_the_lock_files_and_the_directory_its_start_made()
    {
        var made = Path.Combine(_dir, "made");
        Directory.CreateDirectory(made);
        DataDirectoryClaim.Take(made, "seg-a", out _, madeDirectory: true)!.Withdraw();
        Assert.False(Directory.Exists(made));

        // A directory that was there stays; the lock files the start made go.
        DataDirectoryClaim.Take(_dir, "seg-a", out _)!.Withdraw();
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
        using var next = DataDirectoryClaim.Take(_dir, "seg-b", out var problem);
        Assert.NotNull(next);
    }

    [Fact]
    public void A_withdrawn_claim_leaves_what_another_node_holds_or_what_was_there_before()
    {
        // Another node of the segment joined the claim meanwhile: it holds server.lock, which stays, and keeps others out.
        var refused = DataDirectoryClaim.Take(_dir, "seg-a", out _, madeDirectory: true)!;
        using (DataDirectoryClaim.Take(_dir, "seg-a", out _))
        {
            refused.Withdraw();
            Assert.True(Directory.Exists(_dir));
            Assert.Equal("seg-a", File.ReadAllText(Path.Combine(_dir, DataDirectoryClaim.FileName)));
            Assert.Null(DataDirectoryClaim.Take(_dir, "seg-b", out var problem));
            Assert.Contains("segment 'seg-a'", problem);
        }

        // Files a server made before (it ran and stopped) are not this start's to remove.
        DataDirectoryClaim.Take(_dir, "seg-a", out _, madeDirectory: true)!.Withdraw();
        Assert.Equal(["server.gate", "server.lock"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    // Two nodes of one server starting at once (run.sh twice, demo.sh): the first made the store and then failed to
    // start (its port taken), while the second had joined the claim and opened that store. The first's withdrawal must
    // not remove the store the second runs on: it removed switchboard.db before asking whether it was alone (hostile
    // tester hC).
    [Fact]
    public void A_withdrawn_start_leaves_the_store_another_node_of_its_segment_has_opened_since()
    {
        var failing = DataDirectoryClaim.Take(_dir, "seg-a", out _)!;
        var (_, made) = Switchboard.Tests.Server.Accounts.AccountTestConfig.Sqlite(_dir);
        Assert.True(made.Created);
        using (DataDirectoryClaim.Take(_dir, "seg-a", out _))
        {
            var (_, opened) = Switchboard.Tests.Server.Accounts.AccountTestConfig.Sqlite(_dir);
            NodeHost.Withdraw(made, null, failing);
            Assert.True(File.Exists(opened.DatabasePath));
        }

        // Alone, a withdrawn start still removes the store it made.
        var alone = DataDirectoryClaim.Take(_dir, "seg-a", out _)!;
        NodeHost.Withdraw(made, null, alone);
        Assert.False(File.Exists(made.DatabasePath));
    }

    [Fact]
    [Trait(Tiers.Name, Tiers.Process)]
    public async Task A_server_refused_the_directory_makes_no_data_file_there()
    {
        // Another server's claim on a directory that holds no store (yet): a real server of another segment is refused
        // before it makes switchboard.db, which would otherwise be left behind by a server that never ran.
        using var other = DataDirectoryClaim.Take(_dir, "the-other-server", out _)!;
        await using var refused = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--data", _dir], redirectInput: false);
        Assert.Equal(1, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"the data directory {_dir} is in use by another server (segment 'the-other-server')", refused.StdErr);
        Assert.Equal(["server.gate", "server.lock"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    // The segment's live node keeps its store elsewhere: refused after the store was checked (the segment says which
    // store its nodes share only once opened), and the empty store that check made goes again (a new user's finding: a
    // refused start left switchboard.db behind).
    [Fact]
    [Trait(Tiers.Name, Tiers.Process)]
    public async Task A_server_refused_a_segment_whose_nodes_keep_another_store_leaves_no_data_file()
    {
        await using var running = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "theirs")]);
        var mine = Path.Combine(_dir, "mine");
        await using var refused = new ChildProcess(Binaries.Server, ["--port", "0", "--segment", running.Segment, "--data", mine], redirectInput: false);
        Assert.Equal(1, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("keep their accounts and history in another data directory", refused.StdErr);
        // Nor its claim's lock files, nor the directory it made for them (a new user's finding: server.lock and server.gate
        // were left behind).
        Assert.False(Directory.Exists(mine), $"left behind: {string.Join(", ", Directory.Exists(mine) ? Directory.GetFileSystemEntries(mine) : [])}");
        Assert.True(File.Exists(Path.Combine(_dir, "theirs", DataDirectoryClaim.FileName)));
    }

    // Refused for what needs no data directory (here a registration token file that is not there): before the store is made.
    [Fact]
    [Trait(Tiers.Name, Tiers.Process)]
    public async Task A_server_refused_its_token_file_makes_no_data_file()
    {
        var data = Path.Combine(_dir, "data");
        await using var refused = new ChildProcess(Binaries.Server,
            ["--port", "0", "--segment", ServerNode.NewSegmentName(), "--data", data, "--token-file", Path.Combine(_dir, "no-such-token")], redirectInput: false);
        Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(Path.Combine(data, "switchboard.db")));
    }
}
