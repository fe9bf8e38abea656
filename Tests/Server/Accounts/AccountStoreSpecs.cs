using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>
/// Accounts on a real SQLite file (a temporary data directory), as the host wires it: a reservation survives the actor
/// system, and several nodes sharing one store never fork an account's journal (one writer per persistence id).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AccountStoreSpecs() : TestKit(ActorTestConfig.Server()), IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-accounts-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ActorSystem> _nodes = [];

    private IActorRef Node(int iterations = 1000)
    {
        var (config, store) = AccountTestConfig.Sqlite(_dir, iterations);
        var system = AccountTestConfig.System($"node{_nodes.Count}", config, store);
        _nodes.Add(system);
        return system.StartStore(store).Accounts!;
    }

    private object Verify(IActorRef accounts, string name, string? password)
    {
        accounts.Tell(new VerifyClaim(AccountTestConfig.Claim(name, TestActor), password, "127.0.0.1"), TestActor);
        return ExpectMsg<object>(m => m is ClaimVerified or ClaimDenied, Wait);
    }

    private int Command(IActorRef accounts, string name, AccountAction action, string password, string? fresh = null)
    {
        accounts.Tell(new AccountRequest(name, "127.0.0.1", new AccountCommand(1, action, password, fresh)), TestActor);
        return ExpectMsg<AccountAnswer>(Wait).Outcome.Code;
    }

    [Fact]
    public async Task A_reservation_survives_its_actor_system_and_is_read_back_from_the_file()
    {
        var first = Node();
        Assert.Equal(Codes.Ok, Command(first, "alice", AccountAction.Reserve, "wonderland"));
        await _nodes[0].Terminate();

        var restarted = Node();
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(restarted, "alice", null)).Code);
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(restarted, "alice", "looking-glass")).Code);
        Assert.IsType<ClaimVerified>(Verify(restarted, "alice", "wonderland"));
    }

    [Fact]
    public async Task The_file_is_looked_up_as_holding_a_reserved_names_account_and_nothing_of_a_guests()
    {
        var accounts = Node();
        var store = AccountTestConfig.Sqlite(_dir).Store;
        Assert.False(await store.MayHoldAccountAsync("alice"));
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.Reserve, "wonderland"));
        Assert.True(await store.MayHoldAccountAsync("alice"));
        Assert.False(await store.MayHoldAccountAsync("ALICE"));
        Assert.False(await store.MayHoldAccountAsync("alic"));
        Assert.False(await store.MayHoldAccountAsync("alice%"));
        // Released, it still has rows: the account actor, not the look-up, says it is a guest's again.
        Assert.Equal(Codes.Ok, Command(accounts, "alice", AccountAction.Release, "wonderland"));
        Assert.True(await store.MayHoldAccountAsync("alice"));
        Assert.IsType<ClaimVerified>(Verify(accounts, "alice", null));
    }

    [Fact]
    public void Two_nodes_writing_one_account_at_once_leave_one_line_of_events_the_loser_hears_503()
    {
        var a = Node();
        var b = Node();
        // Both have the account recovered (as two nodes would if the one-writer rule were broken): a command that writes
        // nothing ("not reserved") starts each node's account actor ...
        Assert.Equal(Codes.Invalid, Command(a, "zoe", AccountAction.ChangePassword, "x", "y"));
        Assert.Equal(Codes.Invalid, Command(b, "zoe", AccountAction.ChangePassword, "x", "y"));
        // ... and both write event 1: the journal's key (persistence id, sequence number) takes one of them.
        a.Tell(new AccountRequest("zoe", "127.0.0.1", new AccountCommand(1, AccountAction.Reserve, "from-a")), TestActor);
        b.Tell(new AccountRequest("zoe", "127.0.0.1", new AccountCommand(2, AccountAction.Reserve, "from-b")), TestActor);
        var answers = new[] { ExpectMsg<AccountAnswer>(Wait), ExpectMsg<AccountAnswer>(Wait) }.OrderBy(x => x.Id).ToArray();
        var codes = answers.Select(x => x.Outcome.Code).ToArray();
        Assert.Single(codes, Codes.Ok);
        Assert.Single(codes, Codes.Unavailable);
        var winner = answers[0].Outcome.Code == Codes.Ok ? "from-a" : "from-b";
        var loser = winner == "from-a" ? "from-b" : "from-a";

        var reader = Node();
        Assert.IsType<ClaimVerified>(Verify(reader, "zoe", winner));
        Assert.IsType<ClaimDenied>(Verify(reader, "zoe", loser));
    }

    [Fact]
    public void A_new_claim_reads_the_account_afresh_after_another_node_changed_it()
    {
        var a = Node();
        var b = Node();
        Assert.Equal(Codes.Ok, Command(a, "yan", AccountAction.Reserve, "first"));
        // yan's claim ends on node a and is taken on node b, which changes the password.
        a.Tell(new ForgetAccount("yan"));
        Assert.Equal(Codes.Ok, Command(b, "yan", AccountAction.ChangePassword, "first", "second"));
        b.Tell(new ForgetAccount("yan"));
        // Back on node a: the account is recovered from the file, not remembered.
        Assert.IsType<ClaimDenied>(Verify(a, "yan", "first"));
        Assert.IsType<ClaimVerified>(Verify(a, "yan", "second"));
    }

    [Fact]
    public void A_right_password_under_fewer_iterations_than_configured_is_hashed_again_once()
    {
        Assert.Equal(Codes.Ok, Command(Node(), "old", AccountAction.Reserve, "pw"));
        Assert.Equal(2, Events("account-old")); // the reservation and the host it came from
        var raised = Node(iterations: 2000);
        Assert.IsType<ClaimVerified>(Verify(raised, "old", "pw"));
        Assert.Equal(3, Events("account-old")); // the new hash (the host is known already)
        raised.Tell(new ForgetAccount("old"));
        Assert.IsType<ClaimVerified>(Verify(raised, "old", "pw"));
        Assert.Equal(3, Events("account-old")); // already at today's count, from a known host: nothing more written
        Assert.IsType<ClaimDenied>(Verify(raised, "old", "other"));
    }

    [Fact]
    public void Changes_while_the_data_file_is_gone_replaced_or_closed_to_its_owner_are_answered_503_and_taken_again_once_it_is_back()
    {
        var node = Node();
        Assert.Equal(Codes.Ok, Command(node, "alice", AccountAction.Reserve, "wonderland"));
        var file = Path.Combine(_dir, "switchboard.db");
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        // Moved away: SQLite would go on writing to it through the open connections, and the next start would not see it.
        File.Move(file, file + ".aside");
        node.Tell(new AccountRequest("bob", "127.0.0.1", new AccountCommand(1, AccountAction.Reserve, "builder")), TestActor);
        var refused = ExpectMsg<AccountAnswer>(Wait).Outcome;
        Assert.Equal(Codes.Unavailable, refused.Code);
        Assert.Equal("the change was not saved: the server's data store is out of reach (its operator is told); try again later", refused.Error);
        File.Move(file + ".aside", file);
        Assert.Equal(Codes.Ok, Command(node, "bob", AccountAction.Reserve, "builder"));

        File.SetUnixFileMode(file, UnixFileMode.None);
        Assert.Equal(Codes.Unavailable, Command(node, "carol", AccountAction.Reserve, "pw"));
        File.SetUnixFileMode(file, Private);

        // Replaced by a copy (a new inode): still refused, the open connections write to the old one.
        File.Copy(file, file + ".copy");
        File.Move(file + ".copy", file, overwrite: true);
        Assert.Equal(Codes.Unavailable, Command(node, "carol", AccountAction.Reserve, "pw"));
    }

    // A released name's hashes are nobody's any more: only its release stays in the file (flagged, the journal's record
    // of the highest number), and the name reads as released after a restart, on this node and any other's start.
    [Fact]
    public async Task A_released_names_password_hashes_leave_the_file_and_the_release_is_still_read_back()
    {
        var node = Node();
        Assert.Equal(Codes.Ok, Command(node, "alice", AccountAction.Reserve, "one"));
        Assert.Equal(Codes.Ok, Command(node, "alice", AccountAction.ChangePassword, "one", "two"));
        Assert.Equal(Codes.Ok, Command(node, "alice", AccountAction.Release, "two"));
        var id = AccountActor.PersistenceIdOf("alice");
        await Eventually.HoldsAsync(() => Events(id) == 1, Wait, () => $"the events before the release deleted ({Events(id)} rows)");
        var store = AccountTestConfig.Sqlite(_dir).Store;
        var names = await store.ReservedNamesAsync(_nodes[0], CancellationToken.None);
        Assert.False(names.IsReserved("alice"));
        await _nodes[0].Terminate();

        var restarted = Node();
        Assert.IsType<ClaimVerified>(Verify(restarted, "alice", null)); // a guest's name again
        Assert.Equal(Codes.Ok, Command(restarted, "alice", AccountAction.Reserve, "three"));
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(restarted, "alice", null)).Code);
        Assert.True((await store.ReservedNamesAsync(_nodes[^1], CancellationToken.None)).IsReserved("alice"));
    }

    // A changed password's hash is nobody's any more, as a released name's is: a peer owning a name and changing its
    // password in a loop added a row per change for good (each with a hash), and an owner who changed a weak password
    // kept the weak one's hash in the file for anyone who copies it to try offline. The account is written anew instead
    // (its reservation, with its start, and its login hosts) and what came before goes, but for one flagged row.
    [Fact]
    public async Task Changing_a_password_leaves_neither_an_earlier_hash_nor_a_row_per_change_in_the_file()
    {
        var node = Node();
        Assert.Equal(Codes.Ok, Command(node, "alice", AccountAction.Reserve, "pw0"));
        var id = AccountActor.PersistenceIdOf("alice");
        var store = AccountTestConfig.Sqlite(_dir).Store;
        var since = (await store.ReservedNamesAsync(_nodes[0], CancellationToken.None)).Since("alice");
        var changed = CreateTestProbe(_nodes[0]);
        _nodes[0].EventStream.Subscribe(changed, typeof(ReservationChanged));
        const int Changes = 12;
        for (var i = 1; i <= Changes; i++) Assert.Equal(Codes.Ok, Command(node, "alice", AccountAction.ChangePassword, $"pw{i - 1}", $"pw{i}"));

        // The reservation, its login host, and the row before them kept flagged (the journal's record of its numbers).
        await Eventually.HoldsAsync(() => Events(id) <= 3, Wait, () => $"at most 3 rows after {Changes} changes ({Events(id)} rows)");
        var hashes = Hashes(id);
        Assert.NotEmpty(hashes);
        Assert.All(hashes, h => Assert.True(h.Matches($"pw{Changes}"), "a row holds an earlier password's hash"));
        // Not a new reservation: its start stays, and nothing of the owner's (read markers, held messages) is cleared.
        changed.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(since, (await store.ReservedNamesAsync(_nodes[0], CancellationToken.None)).Since("alice"));
        await _nodes[0].Terminate();

        var restarted = Node();
        Assert.IsType<ClaimVerified>(Verify(restarted, "alice", $"pw{Changes}"));
        Assert.Equal(Codes.Forbidden, Assert.IsType<ClaimDenied>(Verify(restarted, "alice", "pw0")).Code);
        Assert.Equal(since, (await store.ReservedNamesAsync(_nodes[^1], CancellationToken.None)).Since("alice"));
        Assert.True(Events(id) <= 3, $"a login from the known host wrote nothing ({Events(id)} rows)");
    }

    // The password hashes the account's rows hold, flagged ones too.
    private List<StoredPassword> Hashes(string persistenceId)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "switchboard.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var read = db.CreateCommand();
        read.CommandText = "SELECT payload, manifest FROM event_journal WHERE persistence_id = $id";
        read.Parameters.AddWithValue("$id", persistenceId);
        using var rows = read.ExecuteReader();
        var serializer = new AccountEventSerializer((ExtendedActorSystem)_nodes[^1]);
        var hashes = new List<StoredPassword>();
        while (rows.Read())
            switch (serializer.FromBinary((byte[])rows[0], rows.GetString(1)))
            {
                case NameReserved r: hashes.Add(r.Password); break;
                case PasswordChanged c: hashes.Add(c.Password); break;
            }
        return hashes;
    }

    private long Events(string persistenceId)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "switchboard.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM event_journal WHERE persistence_id = $id";
        count.Parameters.AddWithValue("$id", persistenceId);
        return (long)count.ExecuteScalar()!;
    }

    public new void Dispose()
    {
        foreach (var node in _nodes) node.Terminate().Wait(TimeSpan.FromSeconds(10));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}
