using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>
/// Two nodes sharing one data directory (as nodes sharing a segment do), on a real SQLite file: a name reserved or
/// released through one node is soon reserved or released on the other too (its DMs kept and held there, its look-alikes
/// refused), and the other node hears of the change as of its own (the history keeper empties the name's inbox for a
/// new owner). Before, each node knew only the reservations of its own clients and those in the file when it started.
/// </summary>
public sealed class SharedReservationSpecs() : TestKit(ActorTestConfig.Server()), IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-sharedres-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ActorSystem> _nodes = [];

    private (IActorRef Accounts, HistoryDesk Desk, ActorSystem System) Node(string watch = "100ms")
    {
        var (config, store) = AccountTestConfig.Sqlite(_dir);
        var system = AccountTestConfig.System($"node{_nodes.Count}",
            ConfigurationFactory.ParseString($"switchboard.accounts.watch-interval = {watch}").WithFallback(config), store);
        _nodes.Add(system);
        var (accounts, desk) = system.StartStore(store with { History = HistorySettings.Create(system.Settings.Config), Accounts = AccountSettings.Create(system.Settings.Config) });
        return (accounts!, desk!, system);
    }

    public new void Dispose()
    {
        foreach (var node in _nodes) node.Terminate().Wait(Wait);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }

    private OpOutcome Command(IActorRef accounts, string name, AccountAction action, string password)
    {
        accounts.Tell(new AccountRequest(name, "10.0.0.1", new AccountCommand(7, action, password, null)), TestActor);
        return ExpectMsg<AccountAnswer>(Wait).Outcome;
    }

    [Fact]
    public void A_name_reserved_or_released_through_one_node_is_so_on_the_other_node_too()
    {
        var a = Node();
        var b = Node();
        var heard = CreateTestProbe(a.System);
        a.System.EventStream.Subscribe(heard.Ref, typeof(ReservationChanged));

        Assert.Equal(Codes.Ok, Command(b.Accounts, "alice", AccountAction.Reserve, "s3cret").Code);
        AwaitCondition(() => a.Desk.Reserved.IsReserved("alice"), Wait);
        Assert.Equal("alice", heard.ExpectMsg<ReservationChanged>(Wait).Name);
        Assert.Equal("alice", a.Desk.Reserved.LookAlike("Alice"));

        Assert.Equal(Codes.Ok, Command(b.Accounts, "alice", AccountAction.Release, "s3cret").Code);
        AwaitCondition(() => !a.Desk.Reserved.IsReserved("alice"), Wait);
        Assert.Equal("alice", heard.ExpectMsg<ReservationChanged>(Wait).Name);

        // Its own changes it knew already: told once, by the account actor, not again when read back from the file.
        Assert.Equal(Codes.Ok, Command(a.Accounts, "carol", AccountAction.Reserve, "pw").Code);
        Assert.Equal("carol", heard.ExpectMsg<ReservationChanged>(Wait).Name);
        heard.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        AwaitCondition(() => b.Desk.Reserved.IsReserved("carol"), Wait);
    }

    // What a reserve reads under its folded name's hold (two nodes once kept both carol2 and Carol2, reserved at once):
    // a case variant reserved in the file through any node, though this node's watch has not read it yet.
    [Fact]
    public async Task A_reserve_finds_a_case_variant_reserved_in_the_file_before_the_watch_reads_it_and_not_a_released_one()
    {
        var a = Node(watch: "1h");
        var b = Node(watch: "1h");
        var (_, file) = AccountTestConfig.Sqlite(_dir);
        Assert.Equal(Codes.Ok, Command(a.Accounts, "carol2", AccountAction.Reserve, "pw").Code);
        Assert.Null(b.Desk.Reserved.LookAlike("Carol2")); // b has not heard of it

        Assert.Equal("carol2", await file.ReservedLookAlikeAsync(b.System, "Carol2"));
        Assert.Null(await file.ReservedLookAlikeAsync(b.System, "carol2")); // itself is no look-alike
        Assert.Null(await file.ReservedLookAlikeAsync(b.System, "carol22"));
        Assert.Equal(Codes.Ok, Command(a.Accounts, "carol2", AccountAction.Release, "pw").Code);
        Assert.Null(await file.ReservedLookAlikeAsync(b.System, "Carol2"));
    }

    // A name's account is read from the file again at each login on a node: when that read is the first this node
    // learns of a release and a new reservation made through the other node (before its watch reads them), the change
    // is told all the same, so the history keeper empties the name's inbox (its read markers) for the new owner. Before,
    // the read applied the change silently and the watch then found nothing new: the new owner saw the old owner's
    // unread counts (a hostile tester's finding, with a flood of logins racing the watch).
    [Fact]
    public void A_new_owner_first_learned_of_at_a_login_is_told_as_a_change_of_owner()
    {
        var a = Node(watch: "1h");
        var b = Node(watch: "1h");
        Assert.Equal(Codes.Ok, Command(a.Accounts, "dave", AccountAction.Reserve, "first-owner").Code);
        a.Accounts.Tell(new ForgetAccount("dave")); // its client left (the gateway says so): read afresh at the next login
        Assert.Equal(Codes.Ok, Command(b.Accounts, "dave", AccountAction.Release, "first-owner").Code);
        Assert.Equal(Codes.Ok, Command(b.Accounts, "dave", AccountAction.Reserve, "second-owner").Code);
        var heard = CreateTestProbe(a.System);
        a.System.EventStream.Subscribe(heard.Ref, typeof(ReservationChanged));

        a.Accounts.Tell(new VerifyClaim(AccountTestConfig.Claim("dave", TestActor), "second-owner", "10.0.0.1"));
        ExpectMsg<ClaimVerified>(Wait);

        Assert.Equal("dave", heard.ExpectMsg<ReservationChanged>(Wait).Name);
    }

    // A row this build cannot read (an account event a newer node wrote) is skipped with a warning: it must not stop the
    // node from learning everything written after it, nor its start.
    [Fact]
    public void An_account_row_this_build_cannot_read_is_skipped_and_what_follows_it_is_read()
    {
        var a = Node();
        var b = Node();
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "switchboard.db")};Pooling=False"))
        {
            db.Open();
            using var insert = db.CreateCommand();
            insert.CommandText = "INSERT INTO event_journal (timestamp, is_deleted, persistence_id, sequence_nr, payload, manifest, serializer_id) " +
                $"VALUES (0, 0, 'account-zed', 1, x'0badf00d', 'from-the-future', {AccountEventSerializer.Id})";
            insert.ExecuteNonQuery();
        }
        Assert.Equal(Codes.Ok, Command(b.Accounts, "alice", AccountAction.Reserve, "s3cret").Code);
        AwaitCondition(() => a.Desk.Reserved.IsReserved("alice"), Wait);
        Assert.False(a.Desk.Reserved.IsReserved("zed"));
        // And a node started on the file reads past it too.
        AwaitCondition(() => Node().Desk.Reserved.IsReserved("alice"), Wait);
    }

    // The watch reads the rows after the last one it saw: that must be the file's last row, not the last account row, or
    // every tick reads again everything the history wrote since the last account change (a busy node's whole day).
    [Fact]
    public async Task The_watch_moves_past_the_rows_that_are_not_accounts()
    {
        var (config, store) = AccountTestConfig.Sqlite(_dir);
        var system = AccountTestConfig.System("solo", config, store);
        _nodes.Add(system);
        var (accounts, desk) = system.StartStore(store with { History = HistorySettings.Create(system.Settings.Config), Accounts = AccountSettings.Create(system.Settings.Config) });
        Assert.Equal(Codes.Ok, Command(accounts!, "alice", AccountAction.Reserve, "s3cret").Code);
        var afterAccount = store.LastRow();
        for (var i = 1; i <= 3; i++)
        {
            desk!.Actor.Tell(new Post(Conversation.Room("#lobby"), i, "bob", $"hello {i}"), TestActor);
            ExpectMsg<Posted>(Wait);
        }
        Assert.True(store.LastRow() > afterAccount);

        var read = await store.AccountEventsAfterAsync(system, afterAccount);
        Assert.Empty(read.Events);
        Assert.Equal(store.LastRow(), read.Last);
    }
}
