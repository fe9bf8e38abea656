using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>
/// A cluster node's conversations and inboxes in memory, bounded by history max-live as the single host's
/// <see cref="HistoryActor"/> bounds its children: sharding starts an entity for any id a message names and lets it go
/// only when idle (idle-after), so clients asking the history of ever new names or rooms grew a node by ~10 KB an
/// entity without limit (a hostile tester: 300 MB from two clients). Past the bound, the least recently used is asked to
/// passivate (<see cref="MakeRoom"/>); it stays in the store and is read back when next used. Shared by the node's
/// entities, which run on any thread: starts and stops take a lock, a message only stamps its entity's entry.
/// </summary>
public sealed class LiveEntities(int maxLive, TimeProvider clock)
{
    private readonly object _gate = new();
    private readonly HashSet<Entry> _entries = [];
    private int _asked;

    /// <summary>Entities in memory, those asked to go included.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    /// <summary>One entity's place: what it stamps when used.</summary>
    public sealed class Entry(LiveEntities owner, IActorRef actor, TimeProvider clock)
    {
        internal IActorRef Actor { get; } = actor;
        internal long Used = clock.GetTimestamp();
        internal bool Asked;

        public void Touch() => Volatile.Write(ref Used, clock.GetTimestamp());

        /// <summary>The entity stopped: its place is free.</summary>
        public void Stopped() => owner.Remove(this);
    }

    /// <summary>An entity started: past the bound, the least recently used other one is asked to go.</summary>
    public Entry Started(IActorRef actor)
    {
        var entry = new Entry(this, actor, clock);
        Entry? leaving = null;
        lock (_gate)
        {
            _entries.Add(entry);
            if (_entries.Count - _asked > maxLive)
            {
                foreach (var e in _entries)
                    if (!e.Asked && e != entry && (leaving is null || Volatile.Read(ref e.Used) < Volatile.Read(ref leaving.Used))) leaving = e;
                if (leaving is not null)
                {
                    leaving.Asked = true;
                    _asked++;
                }
            }
        }
        leaving?.Actor.Tell(MakeRoom.Instance);
        return entry;
    }

    private void Remove(Entry entry)
    {
        lock (_gate)
            if (_entries.Remove(entry) && entry.Asked) _asked--;
    }
}

/// <summary>To a sharded conversation or inbox: the node holds max-live of them and this one was used least recently, so
/// it asks its shard to passivate it (with <see cref="StopChild"/>, which answers its pending writes first).</summary>
public sealed record MakeRoom
{
    public static readonly MakeRoom Instance = new();
}
