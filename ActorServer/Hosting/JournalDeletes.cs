using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Hosting;

/// <summary>
/// Akka.Persistence.Sql's delete of one persistence id's events up to a sequence number (<c>BaseByteArrayJournalDao.Delete</c>
/// with <c>delete-compatibility-mode</c> off and tags in their table, the settings of the <c>sqlite</c> mapping here), as
/// statements prepared once on <see cref="JournalWriter"/>'s connection, with the same result: of the id's events up to
/// it, the highest stays, flagged deleted (so the id's highest sequence number stays in the file and its ids never
/// restart), and all below it go; its tag rows up to it go too. Up to <see cref="long.MaxValue"/> is the one exception:
/// every row of the id goes, the highest too (a room whose history the store no longer holds, <c>ForgetRoom</c>: its ids
/// start again).
/// <para>The plugin flags every event up to it, then removes all but the highest flagged. After each delete (the
/// plugin's or this), an id's one flagged row is its lowest, so the highest flagged after flagging is the highest event
/// up to it: this flags only that one and removes those below it. Flagging all first rewrote each removed row once more
/// before removing it (a conversation past its retention deletes a quarter of its bound at a time), and finding the
/// highest flagged read the id's rows downward from its newest.</para>
/// </summary>
internal sealed class JournalDeletes : IDisposable
{
    private readonly SqliteCommand _highest, _mark, _remove, _tags, _erase, _eraseTags;

    public JournalDeletes(SqliteConnection connection)
    {
        _highest = Prepare(connection, "SELECT MAX(sequence_nr) FROM event_journal WHERE persistence_id = $pid AND sequence_nr <= $to", "$to");
        _mark = Prepare(connection, "UPDATE event_journal SET is_deleted = 1 WHERE persistence_id = $pid AND sequence_nr = $kept", "$kept");
        _remove = Prepare(connection, "DELETE FROM event_journal WHERE persistence_id = $pid AND sequence_nr < $kept", "$kept");
        _tags = Prepare(connection, "DELETE FROM tags WHERE sequence_nr <= $to AND persistence_id = $pid", "$to");
        _erase = Prepare(connection, "DELETE FROM event_journal WHERE persistence_id = $pid");
        _eraseTags = Prepare(connection, "DELETE FROM tags WHERE persistence_id = $pid");
    }

    public void Run(SqliteTransaction tx, string persistenceId, long toSequenceNr)
    {
        if (toSequenceNr == long.MaxValue)
        {
            Execute(_erase, tx, persistenceId);
            Execute(_eraseTags, tx, persistenceId);
            return;
        }
        Bind(_highest, tx, persistenceId, ("$to", toSequenceNr));
        if (_highest.ExecuteScalar() is long kept)
        {
            Execute(_mark, tx, persistenceId, ("$kept", kept));
            Execute(_remove, tx, persistenceId, ("$kept", kept));
        }
        Execute(_tags, tx, persistenceId, ("$to", toSequenceNr));
    }

    private static void Execute(SqliteCommand command, SqliteTransaction tx, string pid, params (string Name, long Value)[] numbers)
    {
        Bind(command, tx, pid, numbers);
        command.ExecuteNonQuery();
    }

    private static void Bind(SqliteCommand command, SqliteTransaction tx, string pid, params (string Name, long Value)[] numbers)
    {
        command.Transaction = tx;
        command.Parameters["$pid"].Value = pid;
        foreach (var (name, value) in numbers) command.Parameters[name].Value = value;
    }

    // $pid and the named integers, bound by Execute.
    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] integers)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$pid", SqliteType.Text);
        foreach (var name in integers) command.Parameters.Add(name, SqliteType.Integer);
        command.Prepare();
        return command;
    }

    public void Dispose()
    {
        foreach (var c in new[] { _highest, _mark, _remove, _tags, _erase, _eraseTags }) c.Dispose();
    }
}
