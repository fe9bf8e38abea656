using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>
/// The tables Akka.Persistence.Sql's <c>sqlite</c> mapping reads and writes (journal, tags, snapshots), made by the node
/// before its actor system starts, statement for statement as the plugin's auto-initialize makes them (a spec compares
/// the two files' schemas), except two indexes of the journal, which go (<see cref="UnusedJournalIndexes"/>). The
/// plugin's own start-up made them through linq2db and cost about a second of CPU at every start, the tables already
/// there or not; made here, they cost milliseconds, and the plugin's parts start when a persistent actor first needs them
/// (<c>auto-initialize = off</c> in server.hocon).
/// </summary>
public static class SqliteSchema
{
    /// <summary>The tables <see cref="Statements"/> make.</summary>
    public static readonly System.Collections.Frozen.FrozenSet<string> Tables =
        System.Collections.Frozen.FrozenSet.ToFrozenSet(["snapshot", "event_journal", "tags"], StringComparer.Ordinal);

    public const string Statements = """
        CREATE TABLE IF NOT EXISTS [snapshot]
        (
        	[persistence_id] NVarChar(255) NOT NULL,
        	[sequence_nr]    INTEGER       NOT NULL,
        	[created_at]     INTEGER       NOT NULL,
        	[payload]        VarBinary         NULL,
        	[manifest]       NVarChar(500)     NULL,
        	[serializer_id]  INTEGER           NULL,

        	CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_nr])
        );
        CREATE INDEX IF NOT EXISTS snapshot_sequence_nr_idx ON snapshot (sequence_nr);
        CREATE INDEX IF NOT EXISTS snapshot_created_at_idx ON snapshot (created_at);
        CREATE TABLE IF NOT EXISTS [event_journal]
        (
        	[ordering]       INTEGER        NOT NULL PRIMARY KEY AUTOINCREMENT,
        	[timestamp]      INTEGER        NOT NULL,
        	[is_deleted]     Bit            NOT NULL,
        	[persistence_id] NVarChar(255)  NOT NULL,
        	[sequence_nr]    INTEGER        NOT NULL,
        	[payload]        VarBinary      NOT NULL,
        	[manifest]       NVarChar(500)      NULL,
        	[serializer_id]  INTEGER            NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS event_journal_uq ON event_journal (persistence_id, sequence_nr);
        CREATE TABLE IF NOT EXISTS [tags]
        (
        	[ordering_id]    INTEGER       NOT NULL,
        	[tag]            NVarChar(64)  NOT NULL,
        	[sequence_nr]    INTEGER       NOT NULL,
        	[persistence_id] NVarChar(255) NOT NULL,

        	CONSTRAINT [PK_tags] PRIMARY KEY ([ordering_id], [tag])
        );
        CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr);
        CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag);
        """;

    /// <summary>
    /// The plugin's indexes of the journal on <c>timestamp</c> and on <c>sequence_nr</c> alone. None of its statements
    /// selects by either (every read and delete names the persistence id, which the unique index serves; the read
    /// journal's queries go by <c>ordering</c>), yet every kept message updated both: a quarter to a third of the
    /// writer's CPU per row and a sixth of the file (Benchmarks/results/stop37-journal-indexes.txt). A file made before
    /// loses them at its next start.
    /// </summary>
    public static readonly string[] UnusedJournalIndexes = ["event_journal_timestamp_idx", "event_journal_sequence_nr_idx"];

    /// <summary>Makes whatever is missing and drops the unused indexes, in one write transaction (nothing when all is as it
    /// should be).</summary>
    public static void Ensure(SqliteConnection db)
    {
        using var transaction = db.BeginTransaction();
        using var create = db.CreateCommand();
        create.Transaction = transaction;
        create.CommandText = Statements + string.Concat(UnusedJournalIndexes.Select(index => $"DROP INDEX IF EXISTS {index};"));
        create.ExecuteNonQuery();
        transaction.Commit();
    }
}
