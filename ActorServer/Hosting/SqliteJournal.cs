using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Persistence.Sql.Journal;
using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>
/// The single host's journal: Akka.Persistence.Sql's, except that events are written by a <see cref="JournalWriter"/>
/// (one connection, a prepared INSERT, one transaction for every write waiting) instead of the plugin's write stream,
/// which built each transaction anew with linq2db (a pooled connection set up, a multi-row INSERT generated and parsed).
/// The rows are the plugin's own (table <c>event_journal</c> of its <c>sqlite</c> mapping, the same serializer,
/// manifest and timestamp), so its recovery and queries read them as they read its own; those stay the plugin's.
/// Deletes are the plugin's statements, run by the writer too (<see cref="JournalDeletes"/>). A write is answered only
/// once committed, as before.
/// <para>Tagged events (none of Switchboard's are) are left to the plugin's path.</para>
/// </summary>
public sealed class SqliteJournal : SqlWriteJournal
{
    private readonly string _connectionString;
    private readonly WalSync _sync;
    private const int PruneAt = 1024;
    // Per persistence id, its latest write (a successor reads its highest id only after it, as the plugin does); those
    // done are pruned once PruneAt ids have gathered.
    private readonly Dictionary<string, Task> _writing = new(StringComparer.Ordinal);
    private JournalWriter? _writer;

    public SqliteJournal(Config journalConfig) : base(journalConfig)
    {
        // Never pooled: the writer keeps its one connection for good and reopens it only after a failure.
        _connectionString = new SqliteConnectionStringBuilder(journalConfig.GetString("connection-string")) { Pooling = false }.ToString();
        _sync = DataConnections.SyncOf(Context.System.Settings.Config);
    }

    protected override void PreStart()
    {
        _writer = new JournalWriter(_connectionString, _sync);
        base.PreStart();
    }

    protected override void PostStop()
    {
        try
        {
            _writer?.Dispose();
        }
        finally
        {
            base.PostStop();
        }
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        if (writes.Any(w => ((IEnumerable<IPersistentRepresentation>)w.Payload).Any(p => p.Payload is Tagged)))
            return base.WriteMessagesAsync(writes, cancellationToken);
        var timestamp = DateTime.UtcNow.Ticks;
        var rows = new List<JournalRowData>(writes.Count);
        var rejected = new Exception?[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            // An atomic write whose events cannot be serialized is rejected whole (its persistent actor hears so) and the
            // others are written.
            try
            {
                var events = (IEnumerable<IPersistentRepresentation>)writes[i].Payload;
                var serialized = events.Select(Row).ToList();
                rows.AddRange(serialized);
            }
            catch (Exception ex)
            {
                rejected[i] = ex;
            }
        }
        var written = rows.Count == 0 ? Task.CompletedTask : _writer!.WriteAsync(rows);
        if (_writing.Count >= PruneAt) Prune();
        _writing[writes[0].PersistenceId] = written;
        var result = rejected.Any(e => e is not null) ? ImmutableList.CreateRange(rejected!) : null;
        return written.ContinueWith(t =>
        {
            t.GetAwaiter().GetResult(); // a failed transaction fails the whole call (WriteMessagesFailed)
            return (IImmutableList<Exception>)result!;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        JournalRowData Row(IPersistentRepresentation e)
        {
            var serializer = Context.System.Serialization.FindSerializerFor(e.Payload);
            var manifest = serializer switch
            {
                Akka.Serialization.SerializerWithStringManifest s => s.Manifest(e.Payload),
                { IncludeManifest: true } => Akka.Util.TypeExtensions.TypeQualifiedName(e.Payload.GetType()),
                _ => string.Empty,
            };
            var payload = Akka.Serialization.Serialization.WithTransport((ExtendedActorSystem)Context.System, () => serializer.ToBinary(e.Payload));
            return new JournalRowData(e.PersistenceId, e.SequenceNr, payload, manifest, serializer.Identifier, timestamp);
        }
    }

    // Up to long.MaxValue erases every row of the id (JournalDeletes; a room the store no longer holds, ForgetRoom).
    // On the writer's connection, behind the writes before it: the plugin's delete took a pooled connection, set it up on
    // the pool and waited for the write lock the writer held (SQLite's busy handler sleeps 1 ms and more at a time).
    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        _writer!.DeleteToAsync(persistenceId, toSequenceNr);

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        if (_writing.TryGetValue(persistenceId, out var pending))
        {
            try
            {
                await pending;
            }
            catch
            {
                // its writer heard the failure; the highest id is what the file holds
            }
        }
        return await base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
    }

    // Written ones are forgotten in bulk (a message to itself per write would cost more than this).
    private void Prune()
    {
        foreach (var (id, task) in _writing)
            if (task.IsCompleted) _writing.Remove(id);
    }
}
