namespace Switchboard.Server.History;

/// <summary>
/// The newest time (Unix ms) this node has stamped a kept message with, or read back from its store, or started a
/// reservation at; shared by its conversations and its account actors (through <see cref="Accounts.ReservedNames"/>).
/// A direct conversation shows a reserved party what came from its reservation's start on, by time; within a
/// conversation times never go back, but the wall clock does (NTP, an operator), and a name released and reserved again
/// while it was behind started before the earlier owner's messages: its new owner read them. So a reservation starts
/// after every time stamped so far (<see cref="Reserve"/>), and every message stamped after it is at least that
/// (<see cref="Stamp"/>). Read from the store as the node starts (<see cref="Saw"/>), and as conversations are read back.
/// </summary>
public sealed class StampedTimes
{
    private readonly Lock _gate = new();
    private long _newest;

    /// <summary>The newest time known.</summary>
    public long Newest
    {
        get
        {
            lock (_gate) return _newest;
        }
    }

    /// <summary>A message's time: the clock's <paramref name="nowMs"/>, never before <paramref name="conversationLast"/>
    /// (its conversation's last) nor before a reservation already started.</summary>
    public long Stamp(long nowMs, long conversationLast)
    {
        lock (_gate) return _newest = Math.Max(_newest, Math.Max(nowMs, conversationLast));
    }

    /// <summary>A time read back (a message's, a reservation's): what comes later is stamped no earlier.</summary>
    public void Saw(long timeMs)
    {
        lock (_gate) _newest = Math.Max(_newest, timeMs);
    }

    /// <summary>A reservation's start: the clock's <paramref name="nowMs"/>, or just after every time known if that is later.</summary>
    public long Reserve(long nowMs)
    {
        lock (_gate) return _newest = Math.Max(nowMs, _newest + 1);
    }
}
