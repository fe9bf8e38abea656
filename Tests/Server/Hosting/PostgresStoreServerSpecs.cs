using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Npgsql;
using Xunit.Abstractions;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// The cluster store on a real PostgreSQL (<see cref="PostgresServer"/>, one per class, a database per spec): the start
/// check's answers, Akka.Persistence through <see cref="PostgresStore.Hocon"/> across two actor systems in turn, and the
/// schema made by several nodes at once.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PostgresStoreServerSpecs(PostgresServer server, ITestOutputHelper output) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly List<ActorSystem> _systems = [];

    public Task InitializeAsync()
    {
        output.WriteLine($"PostgreSQL fixture ready in {server.StartedIn.TotalMilliseconds:0} ms");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var system in _systems) await system.Terminate();
    }

    private static PostgresStore Store(string connection)
    {
        var store = PostgresStore.Open(connection, ActorTestConfig.Server(), out var problem, out _);
        Assert.True(store is not null, problem);
        return store;
    }

    // As the host wires a store: its settings first, the server's hocon, the plugin's defaults under everything.
    private ActorSystem Node(PostgresStore store)
    {
        var system = ActorSystem.Create($"pg{_systems.Count}", store.Hocon.WithFallback(ActorTestConfig.Server()).WithFallback(SqlPersistence.DefaultConfiguration));
        _systems.Add(system);
        return system;
    }

    private async Task<ActorSystem> ReadyNode(PostgresStore store)
    {
        var system = Node(store);
        Assert.Null(await store.EnsureSchemaAsync(system, Wait.Scaled()));
        return system;
    }

    private static Task<T> Ask<T>(IActorRef actor, object message) => actor.Ask<T>(message, Wait.Scaled());

    [Fact]
    public async Task The_start_check_passes_with_the_password_and_says_in_one_line_why_not_without()
    {
        var database = "check_" + Guid.NewGuid().ToString("N")[..8];
        var connection = await server.CreateDatabaseAsync(database);
        Assert.Null(await Store(connection).CheckReachableAsync(Wait.Scaled()));

        var url = $"postgresql://{PostgresServer.User}@{PostgresServer.Host}:{server.Port}/{database}";
        var wrong = new NpgsqlConnectionStringBuilder(connection) { Password = "not-the-password" }.ConnectionString;
        Assert.Equal($"the data store {url} is unreachable: password authentication failed for user \"{PostgresServer.User}\" (check the user and password of --db)",
            await Store(wrong).CheckReachableAsync(Wait.Scaled()));

        // A new operator's finding: a --db without Password= was told only Npgsql's words, with no hint where it goes.
        var none = new NpgsqlConnectionStringBuilder(connection) { Password = null }.ConnectionString;
        Assert.Equal($"the data store {url} is unreachable: No password has been provided but the backend requires one (in SASL/SCRAM-SHA-256) (give it: Password=... in --db, or the user's line in ~/.pgpass)",
            await Store(none).CheckReachableAsync(Wait.Scaled()));

        var missing = new NpgsqlConnectionStringBuilder(connection) { Database = "no_such_db" }.ConnectionString;
        Assert.Equal($"the data store postgresql://{PostgresServer.User}@{PostgresServer.Host}:{server.Port}/no_such_db is unreachable: database \"no_such_db\" does not exist (SQLSTATE 3D000)",
            await Store(missing).CheckReachableAsync(Wait.Scaled()));
    }

    [Fact]
    public async Task A_persistent_actor_writes_events_and_a_snapshot_and_a_second_actor_system_recovers_them()
    {
        var store = Store(await server.CreateDatabaseAsync());
        var first = (await ReadyNode(store)).ActorOf(Props.Create(() => new Journaled("room-1")));
        await Ask<Saved>(first, new Append("a"));
        await Ask<Saved>(first, new Append("b"));
        Assert.Equal(2, (await Ask<Saved>(first, new Snapshot())).SequenceNr);
        await Ask<Saved>(first, new Append("c"));
        await _systems[0].Terminate();

        var second = (await ReadyNode(store)).ActorOf(Props.Create(() => new Journaled("room-1")));
        var state = await Ask<State>(second, new Get());
        Assert.Equal(["a", "b", "c"], state.Items);
        Assert.Equal((3, 2, 1), (state.LastSequenceNr, state.FromSnapshot, state.Replayed));
    }

    [Fact]
    public async Task Deleting_every_event_keeps_the_sequence_number_so_the_next_system_goes_on_from_it()
    {
        var store = Store(await server.CreateDatabaseAsync());
        var first = (await ReadyNode(store)).ActorOf(Props.Create(() => new Journaled("dm-1")));
        foreach (var item in new[] { "a", "b", "c" }) await Ask<Saved>(first, new Append(item));
        Assert.Equal(3, (await Ask<Saved>(first, new Delete(3))).SequenceNr);
        await _systems[0].Terminate();

        var second = (await ReadyNode(store)).ActorOf(Props.Create(() => new Journaled("dm-1")));
        var state = await Ask<State>(second, new Get());
        Assert.Empty(state.Items);
        Assert.Equal(3, state.LastSequenceNr);
        Assert.Equal(4, (await Ask<Saved>(second, new Append("d"))).SequenceNr);
    }

    [Fact]
    public async Task A_pg_dump_restored_into_an_empty_database_gives_back_every_event_as_docs_operating_says()
    {
        var source = "dump_" + Guid.NewGuid().ToString("N")[..8];
        var store = Store(await server.CreateDatabaseAsync(source));
        var writer = (await ReadyNode(store)).ActorOf(Props.Create(() => new Journaled("conversation-#tea")));
        foreach (var item in new[] { "is anyone here?", "the hatter is late" }) await Ask<Saved>(writer, new Append(item));
        // While the node runs (a consistent snapshot), as operating.md says; then restored with the nodes stopped.
        var dump = Path.Combine(Path.GetTempPath(), $"{source}.dump");
        try
        {
            var dumped = await server.ClientToolAsync("pg_dump", "-Fc", "-d", source, "-f", dump);
            Assert.True(dumped.Code == 0, dumped.Output);
            await _systems[0].Terminate();
            var target = "restored_" + Guid.NewGuid().ToString("N")[..8];
            var restoredStore = Store(await server.CreateDatabaseAsync(target));
            var restored = await server.ClientToolAsync("pg_restore", "-d", target, dump);
            Assert.True(restored.Code == 0, restored.Output);

            var reader = (await ReadyNode(restoredStore)).ActorOf(Props.Create(() => new Journaled("conversation-#tea")));
            var state = await Ask<State>(reader, new Get());
            Assert.Equal(["is anyone here?", "the hatter is late"], state.Items);
            Assert.Equal(3, (await Ask<Saved>(reader, new Append("more tea"))).SequenceNr);
        }
        finally { File.Delete(dump); }
    }

    // Another cluster holding the database's claim (a split): kept messages, holds, read markers and account changes were
    // refused, but what an entity writes on its own (retention's deletes, an inbox's snapshot and its compaction, a login's
    // host) reached the database beside the other cluster's writes. Every write of the node's journal and snapshot store
    // now asks the claim: refused, saying why, nothing written; written again once the claim is back.
    [Fact]
    public async Task While_another_cluster_holds_the_claim_the_journal_and_snapshot_store_write_nothing_and_say_why()
    {
        var connection = await server.CreateDatabaseAsync();
        var store = Store(connection);
        var system = Node(store);
        var gate = new StoreClaimGate();
        StoreClaimGate.Register(system, gate);
        Assert.Null(await store.EnsureSchemaAsync(system, Wait.Scaled()));
        // Before its first claim too: a node joining a running cluster hosts shards before its first renewal came back.
        var tea = system.ActorOf(Props.Create(() => new Journaled("conversation-#tea")));
        await Ask<Saved>(tea, new Append("before"));

        gate.Lost("the data store db is claimed by another cluster (127.0.0.9:5000 (node port 127.0.0.9:5001))");
        foreach (var write in new object[] { new Delete(1), new Snapshot(), new Append("during") })
            Assert.Contains("claimed by another cluster (127.0.0.9:5000", (await Ask<Refused>(tea, write)).Why);
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        // The journal keeps the highest deleted row, flagged: what it still holds is what is not flagged.
        async Task<long> Count(string rows)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {rows}", db);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        Assert.Equal((1L, 0L), (await Count("event_journal WHERE NOT is_deleted"), await Count("snapshot_store")));

        gate.Held();
        var again = system.ActorOf(Props.Create(() => new Journaled("conversation-#tea")));
        Assert.Equal(2, (await Ask<Saved>(again, new Append("after"))).SequenceNr);
        Assert.Equal(2, (await Ask<Saved>(again, new Snapshot())).SequenceNr);
        Assert.Equal(1, (await Ask<Saved>(again, new Delete(1))).SequenceNr);
        Assert.Equal((1L, 1L), (await Count("event_journal WHERE NOT is_deleted"), await Count("snapshot_store")));
    }

    [Fact]
    public async Task Three_nodes_making_the_schema_of_a_new_database_at_once_all_start_and_write()
    {
        var connection = await server.CreateDatabaseAsync();
        var stores = Enumerable.Range(0, 3).Select(_ => Store(connection)).ToList();
        var nodes = stores.Select(Node).ToList();
        // Unordered, the plugins race and the losers log "duplicate key value violates unique constraint
        // pg_type_typname_nsp_index", then restart and recover: only the log tells.
        var errors = new ConcurrentQueue<string>();
        foreach (var node in nodes) node.EventStream.Subscribe(node.ActorOf(Props.Create(() => new ErrorLog(errors))), typeof(Error));
        var problems = await Task.WhenAll(stores.Select((store, i) => store.EnsureSchemaAsync(nodes[i], Wait.Scaled())));
        Assert.All(problems, Assert.Null);
        Assert.Empty(errors);

        var saved = await Task.WhenAll(nodes.Select((node, i) => Ask<Saved>(node.ActorOf(Props.Create(() => new Journaled($"node-{i}"))), new Append($"from {i}"))));
        Assert.All(saved, s => Assert.Equal(1, s.SequenceNr));
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var tables = new NpgsqlCommand("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'", db);
        Assert.Equal("event_journal,snapshot_store,tags", await tables.ExecuteScalarAsync());
        await using var rows = new NpgsqlCommand("SELECT count(*) FROM event_journal", db);
        Assert.Equal(3L, await rows.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_user_who_may_not_create_tables_is_told_so_in_one_line_at_once()
    {
        var database = "foreign_" + Guid.NewGuid().ToString("N")[..8];
        var store = Store(await server.CreateDatabaseAsync(database, ownedByUser: false));
        Assert.Null(await store.CheckReachableAsync(Wait.Scaled())); // it may log in
        Assert.Equal($"the data store {store.Url} did not let this node make its tables: user {PostgresServer.User} may not create tables in schema public of {database} " +
            $"(GRANT CREATE ON SCHEMA public TO {PostgresServer.User}, or make {PostgresServer.User} the database's owner)",
            await store.EnsureSchemaAsync(Node(store), Wait.Scaled()));
    }

    [Fact]
    public async Task A_node_makes_the_schema_only_once_the_node_holding_the_lock_lets_go()
    {
        var connection = await server.CreateDatabaseAsync();
        var store = Store(connection);
        await using var holder = new NpgsqlConnection(connection);
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({PostgresStore.SchemaLockKey})", holder)) await take.ExecuteNonQueryAsync();

        var making = store.EnsureSchemaAsync(Node(store), Wait.Scaled());
        await Eventually.HoldsAsync(async () => await WaitingForLock(holder) == 1, Wait, () => "no session waits for the schema lock");
        Assert.False(making.IsCompleted);
        await using (var tables = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", holder))
            Assert.Equal(0L, await tables.ExecuteScalarAsync());

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({PostgresStore.SchemaLockKey})", holder)) await release.ExecuteNonQueryAsync();
        Assert.Null(await making);
    }

    // What a reserve reads under its folded name's hold: a case variant reserved through any node, from the table itself
    // (a cluster once kept both carol2 and Carol2, reserved at once through two nodes).
    [Fact]
    public async Task A_reserve_finds_a_case_variant_reserved_in_the_store_and_not_a_released_one()
    {
        var store = Store(await server.CreateDatabaseAsync());
        var system = await ReadyNode(store);
        var (accounts, _) = system.StartAccounts(store);
        async Task<int> Account(AccountAction action) =>
            (await Ask<AccountAnswer>(accounts, new AccountRequest("carol2", "10.0.0.1", new AccountCommand(1, action, "pw", null)))).Outcome.Code;

        Assert.Null(await store.ReservedLookAlikeAsync(system, "Carol2"));
        Assert.Equal(Codes.Ok, await Account(AccountAction.Reserve));
        Assert.Equal("carol2", await store.ReservedLookAlikeAsync(system, "Carol2"));
        Assert.Equal("carol2", await store.ReservedLookAlikeAsync(system, "CAROL2"));
        Assert.Null(await store.ReservedLookAlikeAsync(system, "carol2")); // itself is no look-alike
        Assert.Null(await store.ReservedLookAlikeAsync(system, "carol22"));
        Assert.Equal(Codes.Ok, await Account(AccountAction.Release));
        Assert.Null(await store.ReservedLookAlikeAsync(system, "Carol2"));
    }

    [Fact]
    public async Task A_cluster_node_whose_store_refuses_the_login_or_is_exposed_does_not_start_and_says_why()
    {
        var dir = Directory.CreateTempSubdirectory("sb-pgnode-").FullName;
        try
        {
            var database = "node_" + Guid.NewGuid().ToString("N")[..8];
            var wrong = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync(database)) { Password = "not-the-password" }.ConnectionString;
            var file = Path.Combine(dir, "db");
            await File.WriteAllTextAsync(file, wrong + "\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var (exit, stderr) = await ClusterNodeAsync(file);
            Assert.Equal(1, exit);
            Assert.Contains($"error: the data store postgresql://{PostgresServer.User}@{PostgresServer.Host}:{server.Port}/{database} is unreachable: " +
                $"password authentication failed for user \"{PostgresServer.User}\" (check the user and password of --db)", stderr);

            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            (exit, stderr) = await ClusterNodeAsync(file);
            Assert.Equal(2, exit);
            Assert.Contains($"error: database connection file {file} is mode 0644, open to other users; make it private: chmod 600 {file}", stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // A one-node cluster (its own seed) with --db: how it ended and what it said.
    private static async Task<(int Exit, string StdErr)> ClusterNodeAsync(string db)
    {
        var port = FreePorts.Next(PostgresServer.Host);
        var clusterPort = FreePorts.Next(PostgresServer.Host);
        await using var node = new ChildProcess(Binaries.Server, ["--cluster", "--host", PostgresServer.Host, "--port", port.ToString(),
            "--cluster-port", clusterPort.ToString(), "--seeds", $"{PostgresServer.Host}:{clusterPort}", "--cluster-secret-file", ClusterSecret.File, "--db", db],
            redirectInput: false);
        var exit = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, node.StdErr);
    }

    private static async Task<long> WaitingForLock(NpgsqlConnection db)
    {
        await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", db);
        return (long)(await waiting.ExecuteScalarAsync())!;
    }

    private sealed record Append(string Item);
    private sealed record Snapshot;
    private sealed record Delete(long ToSequenceNr);
    private sealed record Get;
    private sealed record Saved(long SequenceNr);
    private sealed record Refused(string Why);
    private sealed record State(IReadOnlyList<string> Items, long LastSequenceNr, long FromSnapshot, int Replayed);

    private sealed class ErrorLog : ReceiveActor
    {
        public ErrorLog(ConcurrentQueue<string> errors) => Receive<Error>(e => errors.Enqueue($"{e.LogSource}: {e.Message} {e.Cause?.GetBaseException().Message}"));
    }

    // Events and snapshots as UTF-8 bytes: Akka's own byte-array serializer, nothing of the project's needed.
    private sealed class Journaled : ReceivePersistentActor
    {
        private readonly List<string> _items = [];
        private long _fromSnapshot;
        private int _replayed;
        private IActorRef? _waiting;

        public Journaled(string id)
        {
            PersistenceId = id;
            Recover<SnapshotOffer>(offer =>
            {
                _fromSnapshot = offer.Metadata.SequenceNr;
                _items.AddRange(Encoding.UTF8.GetString((byte[])offer.Snapshot).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            });
            Recover<byte[]>(item =>
            {
                _items.Add(Encoding.UTF8.GetString(item));
                _replayed++;
            });
            Command<Append>(m =>
            {
                _waiting = Sender;
                Persist(Encoding.UTF8.GetBytes(m.Item), item =>
                {
                    _items.Add(m.Item);
                    Sender.Tell(new Saved(LastSequenceNr));
                });
            });
            Command<Snapshot>(_ =>
            {
                _waiting = Sender;
                SaveSnapshot(Encoding.UTF8.GetBytes(string.Join('\n', _items)));
            });
            Command<SaveSnapshotSuccess>(m => _waiting?.Tell(new Saved(m.Metadata.SequenceNr)));
            Command<SaveSnapshotFailure>(m => _waiting?.Tell(new Refused(m.Cause.GetBaseException().Message)));
            Command<DeleteMessagesFailure>(m => _waiting?.Tell(new Refused(m.Cause.GetBaseException().Message)));
            Command<Delete>(m =>
            {
                _waiting = Sender;
                DeleteMessages(m.ToSequenceNr);
            });
            Command<DeleteMessagesSuccess>(m =>
            {
                _items.Clear();
                _waiting?.Tell(new Saved(m.ToSequenceNr));
            });
            Command<Get>(_ => Sender.Tell(new State(_items, LastSequenceNr, _fromSnapshot, _replayed)));
        }

        public override string PersistenceId { get; }

        // The actor stops after this (Akka's rule); the one who asked hears why.
        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
            _waiting?.Tell(new Refused(cause.GetBaseException().Message));
    }
}
