using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Npgsql;

namespace Switchboard.Server.Hosting;

/// <summary>
/// Cluster mode's durable store: one PostgreSQL database every node shares (<c>--db VALUE</c>), under Akka.Persistence
/// with Akka.Persistence.Sql (linq2db's <see cref="ProviderName"/> provider). VALUE is an Npgsql connection string or,
/// to keep the password off the command line (any local user can read the process list), a file whose first line is
/// one; the file must be this user's and closed to others (0600), as the token file. The password is never shown:
/// <see cref="Url"/>, <see cref="Status"/> and <see cref="ToString"/> name the user, host, port and database only.
/// Start order: <see cref="Open"/>, <see cref="CheckReachableAsync"/>, the actor system with <see cref="Hocon"/>, then
/// <see cref="EnsureSchemaAsync"/> before any persistent actor runs.
/// </summary>
public sealed record PostgresStore : IDataStore
{
    /// <summary>linq2db's name for PostgreSQL 15 and later (its <c>ProviderName.PostgreSQL15</c>).</summary>
    public const string ProviderName = "PostgreSQL.15";

    /// <summary>The oldest server the provider's SQL is meant for.</summary>
    public const int MinServerVersion = 15;

    // Session-level advisory lock held while the plugins make their tables; per database ("Switchbd" in ASCII).
    internal const long SchemaLockKey = 0x5377_6974_6368_6264;
    private const string ProbeId = "switchboard-schema-check";

    // The plugin's postgresql table mapping puts every table there.
    private const string SchemaName = "public";

    // Holds the password: handed to the plugins and Npgsql only, never logged or shown. Parsed and checked by Open,
    // never changed after.
    private readonly NpgsqlConnectionStringBuilder _parsed;

    private PostgresStore(NpgsqlConnectionStringBuilder parsed, AccountSettings accounts, HistorySettings history)
    {
        _parsed = parsed;
        Accounts = accounts;
        History = history;
    }

    public string Host => _parsed.Host!;
    public int Port => _parsed.Port;
    public string Database => _parsed.Database!;
    public string User => _parsed.Username!;
    public AccountSettings Accounts { get; }
    public HistorySettings History { get; }

    /// <summary>Not a file: nothing to guard.</summary>
    public DataFileGuard? Guard => null;

    /// <summary>Where the store is, without the password: <c>postgresql://user@host:port/database</c>.</summary>
    public string Url => $"postgresql://{User}@{(Host.Contains(':') && !Host.StartsWith('/') ? $"[{Host}]" : Host)}:{Port}/{Database}";

    /// <summary>The store <paramref name="value"/> names (a connection string, or a file holding one), or null with
    /// <paramref name="problem"/> and the exit code (2: a bad option, file or configuration, as the token file's; 0 when opened).
    /// Nothing is connected to yet: that is <see cref="CheckReachableAsync"/>.</summary>
    public static PostgresStore? Open(string value, Config hocon, out string? problem, out int exitCode)
    {
        exitCode = 2;
        AccountSettings accounts;
        HistorySettings history;
        try
        {
            accounts = AccountSettings.Create(hocon);
            history = HistorySettings.Create(hocon);
        }
        catch (ConfigurationException ex)
        {
            problem = $"bad configuration: {ex.Message}";
            return null;
        }
        problem = null;
        var fromFile = !value.Contains('=') || File.Exists(value);
        var connection = fromFile ? ReadFile(value, out problem) : value;
        if (connection is null) return null;
        var source = fromFile ? $"the connection string in {value}" : "--db";
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connection);
        }
        // Only Npgsql's message (it names a keyword, never a value): the string may hold the password.
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            problem = $"{source} is not a PostgreSQL connection string ({ex.Message.TrimEnd('.')}); e.g. {Example}";
            return null;
        }
        var missing = new[] { ("Host", parsed.Host), ("Database", parsed.Database), ("Username", parsed.Username) }
            .Where(k => string.IsNullOrWhiteSpace(k.Item2)).Select(k => k.Item1).ToList();
        if (missing.Count > 0)
        {
            problem = $"{source} has no {string.Join(", ", missing)}; e.g. {Example}";
            return null;
        }
        if (!fromFile && !string.IsNullOrEmpty(parsed.Password))
            Console.Error.WriteLine("warning: the --db connection string holds the password, which every local user can read in the process list; " +
                "put the connection string in a file of mode 0600 and give --db FILE (or leave the password to ~/.pgpass)");
        // Named in pg_stat_activity, so a DBA sees whose connections these are.
        if (string.IsNullOrEmpty(parsed.ApplicationName)) parsed.ApplicationName = "switchboard";
        exitCode = 0;
        return new PostgresStore(parsed, accounts, history);
    }

    private const string Example = "Host=db.example;Port=5432;Database=switchboard;Username=switchboard;Password=...";

    // The first line of a file only its owner, this user, may read or write.
    private static string? ReadFile(string path, out string? problem)
    {
        const string What = "database connection file";
        try
        {
            using var file = File.OpenRead(path);
            var owner = ProcessInfo.FileStatusOf((int)file.SafeFileHandle.DangerousGetHandle(), path).Uid;
            // Another user could point this node at a database of theirs, or read the password.
            problem = owner != ProcessInfo.EffectiveUid()
                ? $"{What} {path} belongs to uid {owner}, not to this user; refusing it"
                : SecretFile.Exposure(file.SafeFileHandle, path, What);
            if (problem is not null) return null;
            var first = new StreamReader(file).ReadLine()?.Trim();
            if (!string.IsNullOrEmpty(first)) return first;
            problem = $"{What} {path} is empty; its first line must be the connection string, e.g. {Example}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read {What} {path}: {ex.Message} (--db takes a connection string or the file holding one)";
        }
        return null;
    }

    /// <summary>The plugins' settings: journal, snapshot store and query journal all on this database, tables made on
    /// first start. The table mapping is the plugin's <c>postgresql</c> one: the same table and column names as the
    /// single-host SQLite file's (<c>event_journal</c>, <c>sequence_nr</c>), plus <c>snapshot_store</c>.</summary>
    public Config Hocon
    {
        get
        {
            var quoted = System.Text.Json.JsonSerializer.Serialize(_parsed.ConnectionString);
            var common = $"connection-string = {quoted}, provider-name = \"{ProviderName}\", table-mapping = postgresql";
            // Akka.Persistence's breakers, once open, try the database again only after 30 s (journal) and 60 s
            // (snapshot store, read at every login): with PostgreSQL back, a node refused every login for a minute while
            // the others served. One trial per 5 s costs the database nothing.
            const string breaker = "circuit-breaker.reset-timeout = 5s";
            // Every write asks whether this node's cluster holds the database's claim (StoreClaimGate), whoever writes.
            var journal = $"class = \"{typeof(ClaimedSqlJournal).FullName}, ActorServer\"";
            var snapshots = $"class = \"{typeof(ClaimedSqlSnapshotStore).FullName}, ActorServer\"";
            return ConfigurationFactory.ParseString($$"""
                akka.persistence.journal.sql { {{common}}, auto-initialize = on, {{breaker}}, {{journal}} }
                akka.persistence.snapshot-store.sql { {{common}}, auto-initialize = on, {{breaker}}, {{snapshots}} }
                akka.persistence.query.journal.sql { {{common}} }
                """);
        }
    }

    /// <summary>What <c>/status</c> shows: never the password.</summary>
    public object Status => new { kind = "postgresql", host = Host, port = Port, database = Database, user = User };

    /// <summary>For the start-up log line.</summary>
    public override string ToString() => $"PostgreSQL {Url}";

    /// <summary>Connects once, within <paramref name="timeout"/>: null when the database answers, this user may log in and
    /// the server is recent enough; else one line for <c>error: </c> (exit code 1).</summary>
    public async Task<string?> CheckReachableAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await using var db = await ConnectAsync(timeout, cancel.Token);
            if (db.PostgreSqlVersion.Major < MinServerVersion)
                return $"the data store {Url} runs PostgreSQL {db.PostgreSqlVersion}; Switchboard needs {MinServerVersion} or later";
            return null;
        }
        catch (Exception ex) when (Unreachable(ex, timeout) is { } why)
        {
            return $"the data store {Url} is unreachable: {why}";
        }
    }

    /// <summary>The database's identity: a random id this database keeps (table <c>switchboard_store</c>, one row, made by
    /// the first node that asks), so that nodes can tell whether they share one database whatever their connection strings
    /// say (another host name, a replica's address, a typo in the database name). A cluster's nodes compare it
    /// (<see cref="Cluster.StoreCheckActor"/>). Null when read, else one line for <c>error: </c> (exit code 1).</summary>
    public async Task<(Guid Id, string? Problem)> IdentifyAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var refused = $"the data store {Url} did not tell its identity";
        try
        {
            await using var db = await ConnectAsync(timeout, cancel.Token);
            // The schema lock: CREATE TABLE IF NOT EXISTS is not safe against a concurrent one (EnsureSchemaAsync).
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", db))
            {
                take.Parameters.AddWithValue("key", SchemaLockKey);
                await take.ExecuteNonQueryAsync(cancel.Token);
            }
            await using var identify = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {SchemaName}.switchboard_store (id uuid PRIMARY KEY); " +
                $"INSERT INTO {SchemaName}.switchboard_store SELECT gen_random_uuid() WHERE NOT EXISTS (SELECT 1 FROM {SchemaName}.switchboard_store); " +
                // The one claim row of the cluster using this database (ClaimAsync); no members: free.
                $"CREATE TABLE IF NOT EXISTS {SchemaName}.switchboard_claim (id int PRIMARY KEY CHECK (id = 1), members text[] NOT NULL, " +
                "fronts text[] NOT NULL, since timestamptz NOT NULL, renewed timestamptz NOT NULL); " +
                $"INSERT INTO {SchemaName}.switchboard_claim VALUES (1, '{{}}', '{{}}', now(), now()) ON CONFLICT (id) DO NOTHING; " +
                $"SELECT min(id::text) FROM {SchemaName}.switchboard_store", db);
            var id = await identify.ExecuteScalarAsync(cancel.Token) as string;
            // Closing the connection releases the lock.
            return Guid.TryParse(id, out var parsed) ? (parsed, null) : (Guid.Empty, $"{refused}: table switchboard_store holds no id");
        }
        catch (Exception ex) when (ex is OperationCanceledException && cancel.IsCancellationRequested)
        {
            return (Guid.Empty, $"{refused}: no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (Unreachable(ex, timeout) is { } why)
        {
            return (Guid.Empty, $"{refused}: {why}");
        }
    }

    /// <summary>Renews or takes the database's claim for the cluster <paramref name="ask"/> describes, or finds another
    /// cluster's (<see cref="Cluster.StoreClaims.Judge"/>): one transaction holding the row, its age and times at the
    /// database's clock (<c>now()</c>), so no node's clock counts. Throws what Npgsql throws, or after
    /// <paramref name="timeout"/> (a silent database must not stop the renewals: the caller tries again).</summary>
    public async Task<Cluster.StoreClaimAnswer> ClaimAsync(Cluster.StoreClaimAsk ask, TimeSpan lease, TimeSpan timeout)
    {
        using var source = new CancellationTokenSource(timeout);
        var cancel = source.Token;
        await using var db = new NpgsqlConnection(_parsed.ConnectionString);
        await db.OpenAsync(cancel);
        await using var tx = await db.BeginTransactionAsync(cancel);
        Cluster.StoreClaimRow row;
        await using (var read = new NpgsqlCommand($"SELECT members, fronts, since, now() - renewed, renewed FROM {SchemaName}.switchboard_claim WHERE id = 1 FOR UPDATE", db, tx))
        await using (var rows = await read.ExecuteReaderAsync(cancel))
        {
            if (!await rows.ReadAsync(cancel)) throw new InvalidOperationException($"table {SchemaName}.switchboard_claim holds no row");
            row = new(rows.GetFieldValue<string[]>(0), rows.GetFieldValue<string[]>(1), rows.GetFieldValue<DateTime>(2), rows.GetFieldValue<TimeSpan>(3),
                rows.GetFieldValue<DateTime>(4));
        }
        var verdict = Cluster.StoreClaims.Judge(row, ask.Known, lease);
        if (verdict != Cluster.StoreClaimVerdict.Refuse)
        {
            await using var write = new NpgsqlCommand($"UPDATE {SchemaName}.switchboard_claim SET members = @members, fronts = @fronts, renewed = now(), " +
                "since = CASE WHEN @take THEN now() ELSE since END WHERE id = 1", db, tx);
            write.Parameters.AddWithValue("members", ask.Members.ToArray());
            write.Parameters.AddWithValue("fronts", ask.Fronts.ToArray());
            write.Parameters.AddWithValue("take", verdict == Cluster.StoreClaimVerdict.Take);
            await write.ExecuteNonQueryAsync(cancel);
        }
        await tx.CommitAsync(cancel);
        return new(verdict, row);
    }

    /// <summary>A node stopping cleanly takes itself off the claim: the last one's leaves it free, so a planned restart of
    /// every node does not wait out the lease. Best effort within <paramref name="timeout"/> (else the lease frees it).</summary>
    public async Task<string?> ReleaseClaimAsync(string member, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await using var db = await ConnectAsync(timeout, cancel.Token);
            await using var release = new NpgsqlCommand($"UPDATE {SchemaName}.switchboard_claim SET " +
                "members = ARRAY(SELECT m FROM unnest(members, fronts) WITH ORDINALITY AS u(m, f, i) WHERE m <> @me ORDER BY i), " +
                "fronts = ARRAY(SELECT f FROM unnest(members, fronts) WITH ORDINALITY AS u(m, f, i) WHERE m <> @me ORDER BY i) " +
                "WHERE id = 1 AND @me = ANY(members)", db);
            release.Parameters.AddWithValue("me", member);
            await release.ExecuteNonQueryAsync(cancel.Token);
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return ex is NpgsqlException && Unreachable(ex, timeout) is { } why ? why : $"no answer within {timeout.TotalSeconds:0.#} s";
        }
    }

    /// <summary>Through the plugin's read journal (the tables are made by then: <see cref="EnsureSchemaAsync"/>).</summary>
    public Task<ReservedNames> ReservedNamesAsync(ActorSystem system, CancellationToken cancel) => ReservedNames.LoadAsync(system, cancel);

    /// <summary>Always true: a cluster node recovers the account at every claim (no look-up in PostgreSQL first).</summary>
    public Task<bool> MayHoldAccountAsync(string name) => Task.FromResult(true);

    /// <summary>One query on the plugin's journal table (the same columns as a single host's file). No index serves
    /// <c>lower()</c>: it reads the table, which only a reserve asks, a few times an hour per host at most.</summary>
    public async Task<string?> ReservedLookAlikeAsync(ActorSystem system, string name)
    {
        await using var db = new NpgsqlConnection(_parsed.ConnectionString);
        await db.OpenAsync();
        await using var read = new NpgsqlCommand($"SELECT persistence_id, payload, serializer_id, manifest, sequence_nr FROM {SchemaName}.event_journal " +
            "WHERE lower(persistence_id) = lower(@id) AND persistence_id <> @id ORDER BY persistence_id, sequence_nr", db);
        read.Parameters.AddWithValue("id", AccountActor.PersistenceIdOf(name));
        await using var rows = await read.ExecuteReaderAsync();
        return DataStore.LookAlikeIn(system, rows, name);
    }

    /// <summary>Starts <paramref name="system"/>'s journal and snapshot store (configured with <see cref="Hocon"/>) and
    /// waits until both have made their tables, one node at a time: PostgreSQL's <c>CREATE TABLE IF NOT EXISTS</c> is not
    /// safe against a concurrent one (the loser fails on the table's row type, "duplicate key value violates unique
    /// constraint pg_type_typname_nsp_index"), and nodes started together would otherwise race. The database's advisory
    /// lock orders them; the plugins make the tables themselves, so they are exactly the plugins'. Call it before any
    /// persistent actor runs. Null when ready, else one line for <c>error: </c> (exit code 1).</summary>
    public async Task<string?> EnsureSchemaAsync(ActorSystem system, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        NpgsqlConnection db;
        try
        {
            db = await ConnectAsync(timeout, cancel.Token);
        }
        catch (Exception ex) when (Unreachable(ex, timeout) is { } why)
        {
            return $"the data store {Url} is unreachable: {why}";
        }
        await using var _ = db;
        var refused = $"the data store {Url} did not let this node make its tables";
        try
        {
            // The plugins' CREATE TABLE IF NOT EXISTS needs this at every start, even once the tables exist.
            await using (var may = new NpgsqlCommand("SELECT has_schema_privilege(@schema, 'CREATE')", db))
            {
                may.Parameters.AddWithValue("schema", SchemaName);
                if (await may.ExecuteScalarAsync(cancel.Token) is not true)
                    return $"{refused}: user {User} may not create tables in schema {SchemaName} of {Database} " +
                        $"(GRANT CREATE ON SCHEMA {SchemaName} TO {User}, or make {User} the database's owner)";
            }
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", db))
            {
                take.Parameters.AddWithValue("key", SchemaLockKey);
                await take.ExecuteNonQueryAsync(cancel.Token);
            }
            // Each plugin makes its tables before it answers anything (it stashes until then); the answers read them.
            var persistence = Persistence.Instance.Apply(system);
            var replayed = await persistence.JournalFor(null).Ask<object>(me => new ReplayMessages(1, 0, 0, ProbeId, me), timeout, cancel.Token);
            if (replayed is ReplayMessagesFailure failed) return $"{refused}: {Describe(failed.Cause)}";
            var loaded = await persistence.SnapshotStoreFor(null).Ask<object>(new LoadSnapshot(ProbeId, SnapshotSelectionCriteria.Latest, long.MaxValue), timeout, cancel.Token);
            if (loaded is LoadSnapshotFailed snapshotFailed) return $"{refused}: {Describe(snapshotFailed.Cause)}";
            // Closing the connection releases the lock for the next node.
            return null;
        }
        catch (Exception ex) when (ex is AskTimeoutException || ex is OperationCanceledException && cancel.IsCancellationRequested)
        {
            return $"{refused}: no answer within {timeout.TotalSeconds:0.#} s (waiting for another node's start, or the journal's errors in the log above)";
        }
        catch (Exception ex) when (Unreachable(ex, timeout) is { } why)
        {
            return $"{refused}: {why}";
        }
    }

    private async Task<NpgsqlConnection> ConnectAsync(TimeSpan timeout, CancellationToken cancel)
    {
        // Not pooled: a probe, and a session whose close releases the advisory lock.
        var once = new NpgsqlConnectionStringBuilder(_parsed.ConnectionString) { Pooling = false, Timeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)) };
        var db = new NpgsqlConnection(once.ConnectionString);
        try
        {
            await db.OpenAsync(cancel);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    // Why a connection failed, in words an operator acts on; null for what is not a connection failure.
    private static string? Unreachable(Exception ex, TimeSpan timeout) => ex switch
    {
        PostgresException pg => Describe(pg),
        // Npgsql's own refusal, before it sends a login: the server asks for a password and --db gives none.
        NpgsqlException npgsql when npgsql.Message.StartsWith("No password has been provided", StringComparison.Ordinal) =>
            $"{npgsql.Message.TrimEnd('.')} (give it: Password=... in --db, or the user's line in ~/.pgpass)",
        OperationCanceledException or TimeoutException => $"no answer within {timeout.TotalSeconds:0.#} s",
        NpgsqlException { InnerException: TimeoutException } => $"no answer within {timeout.TotalSeconds:0.#} s",
        NpgsqlException { InnerException: SocketException socket } => socket.Message,
        NpgsqlException { InnerException: { } inner } npgsql => $"{npgsql.Message.TrimEnd('.')}: {inner.Message}",
        NpgsqlException npgsql => npgsql.Message,
        SocketException socket => socket.Message,
        _ => null,
    };

    private static string Describe(Exception ex) => ex switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } pg =>
            $"{pg.MessageText} (check the user and password of --db)",
        PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
        _ => ex.GetBaseException().Message,
    };
}
