using System.Collections.Immutable;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;

namespace Switchboard.Server.Cluster;

/// <summary>
/// A cluster node's journal on the shared database: Akka.Persistence.Sql's, but a write or delete is refused while
/// another cluster holds the database's claim (<see cref="StoreClaimGate"/>; a split). Kept messages, holds, read
/// markers and account changes are refused before they reach an entity, with their own 503; this is for everything an
/// entity writes on its own (retention's trimming deletes, an inbox's compaction, a login's host, a cleared inbox), which
/// would otherwise land beside the other cluster's writes to the same persistence ids. A refused write fails as a store
/// failure does (<see cref="StoreClaimedException"/>: one log line saying why); what must be done is done again later
/// (a conversation trims at its next start, an inbox compacts at its next snapshot). Reads are never refused.
/// </summary>
public sealed class ClaimedSqlJournal(Config journalConfig) : SqlWriteJournal(journalConfig)
{
    private StoreClaimGate? _gate;

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken) =>
        StoreClaimedException.Of(_gate ??= StoreClaimGate.Of(Context.System)) is { } refused
            ? Task.FromException<IImmutableList<Exception>>(refused)
            : base.WriteMessagesAsync(messages, cancellationToken);

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        StoreClaimedException.Of(_gate ??= StoreClaimGate.Of(Context.System)) is { } refused
            ? Task.FromException(refused)
            : base.DeleteMessagesToAsync(persistenceId, toSequenceNr, cancellationToken);
}

/// <summary>The snapshot store beside <see cref="ClaimedSqlJournal"/>: saving and deleting refused alike while another
/// cluster holds the database's claim.</summary>
public sealed class ClaimedSqlSnapshotStore(Config snapshotConfig) : Akka.Persistence.Sql.Snapshot.SqlSnapshotStore(snapshotConfig)
{
    private StoreClaimGate? _gate;

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken) =>
        Refused() ?? base.SaveAsync(metadata, snapshot, cancellationToken);

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken) =>
        Refused() ?? base.DeleteAsync(metadata, cancellationToken);

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        Refused() ?? base.DeleteAsync(persistenceId, criteria, cancellationToken);

    private Task? Refused() => StoreClaimedException.Of(_gate ??= StoreClaimGate.Of(Context.System)) is { } refused ? Task.FromException(refused) : null;
}

/// <summary>Why a write of the shared database was not made: another cluster holds its claim.</summary>
public sealed class StoreClaimedException(string why) : Exception($"not written: {why}")
{
    /// <summary>The refusal while another cluster holds <paramref name="gate"/>'s claim (null: no gate, a node side without one).</summary>
    public static StoreClaimedException? Of(StoreClaimGate? gate) => gate?.Elsewhere() is { } problem ? new StoreClaimedException(problem.Text) : null;
}
