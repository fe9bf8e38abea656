using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Switchboard.Server.Accounts;

/// <summary>
/// Which names are reserved on this node's store, and since when: read once from the journal when the node starts, then
/// kept current by this node's account actors as they persist. Sessions read it without a message (a DM to a reserved
/// name is kept, and held while it is offline), so it is an immutable map swapped atomically, owned by the host.
/// </summary>
public sealed class ReservedNames
{
    private Names _names = Names.Empty;

    public bool IsReserved(string name) => _names.Since.ContainsKey(name);

    /// <summary>When <paramref name="name"/> was reserved (Unix ms; 0 when the journal did not say), or null.</summary>
    public long? Since(string name) => _names.Since.TryGetValue(name, out var since) ? since : null;

    public int Count => _names.Since.Count;

    /// <summary>The times the node's kept messages and reservations are stamped with, so that a reservation starts after
    /// every message before it whatever the wall clock did (<see cref="History.StampedTimes"/>).</summary>
    public History.StampedTimes Times { get; } = new();

    /// <summary>Every reserved name with when it was reserved (Unix ms; 0 when the journal did not say), by name.</summary>
    public IEnumerable<(string Name, long SinceMs)> All => _names.Since.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => (n.Key, n.Value));

    /// <summary>The reserved name <paramref name="name"/> differs from only in case ("Alice" for "alice"), or null: names
    /// are told apart by case, but one that reads as someone's reserved name is not anyone else's to take.</summary>
    public string? LookAlike(string name)
    {
        var names = _names;
        return !names.Since.ContainsKey(name) && names.ByFold.TryGetValue(name, out var reserved) ? reserved : null;
    }

    /// <summary>True when this changed what the list says (it did not have the name, or since another time).</summary>
    public bool Reserved(string name, long sinceMs) => ImmutableInterlocked.Update(ref _names, n => n.Reserve(name, sinceMs));

    /// <summary>True when the list had the name.</summary>
    public bool Released(string name) => ImmutableInterlocked.Update(ref _names, n => n.Release(name));

    /// <summary>One snapshot, swapped whole: the names with their times, each case-folded name to one reserved name, and
    /// the journal's sequence number of each account's last event applied by number (<see cref="Apply(string, IAccountEvent, long)"/>).</summary>
    private sealed record Names(ImmutableDictionary<string, long> Since, ImmutableDictionary<string, string> ByFold,
        ImmutableDictionary<string, long> Seq)
    {
        public static readonly Names Empty = new(ImmutableDictionary.Create<string, long>(StringComparer.Ordinal),
            ImmutableDictionary.Create<string, string>(StringComparer.OrdinalIgnoreCase), ImmutableDictionary.Create<string, long>(StringComparer.Ordinal));

        /// <summary>What one account event makes of the list: this same snapshot when nothing changes.</summary>
        public Names Fold(string name, IAccountEvent e) => e switch
        {
            NameReserved r => Reserve(name, r.SinceMs),
            ReservationReleased => Release(name),
            _ => this,
        };

        public Names Reserve(string name, long sinceMs) =>
            Since.TryGetValue(name, out var since) && since == sinceMs ? this
            : this with { Since = Since.SetItem(name, sinceMs), ByFold = ByFold.ContainsKey(name) ? ByFold : ByFold.Add(name, name) };

        // Another reserved name of the same fold (reserved before look-alikes were refused) takes its place.
        public Names Release(string name)
        {
            if (!Since.ContainsKey(name)) return this;
            var since = Since.Remove(name);
            if (!ByFold.TryGetValue(name, out var held) || held != name) return this with { Since = since };
            var other = since.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            return this with { Since = since, ByFold = other is null ? ByFold.Remove(name) : ByFold.SetItem(other, other) };
        }
    }

    /// <summary>
    /// Folds the account's event number <paramref name="seq"/> (its journal's sequence number) unless one as new was folded
    /// already: null then (not news), else whether the list changed. This node's account actors and the watch of a shared
    /// file (which reads this node's rows back too, perhaps after newer ones were applied here) both fold by number, so an
    /// older event never undoes a newer one and a change is news to exactly one of them.
    /// </summary>
    public bool? Apply(string name, IAccountEvent e, long seq)
    {
        // Another node's clock may be ahead of this one's: what this node keeps after the reservation is the owner's.
        if (e is NameReserved r) Times.Saw(r.SinceMs);
        return ByNumber(name, seq, n => n.Fold(name, e));
    }

    /// <summary>What another node told of <paramref name="name"/> (a cluster's <c>ReservationNotice</c>): reserved since
    /// <paramref name="sinceMs"/>, or released (null), as of its account's event number <paramref name="seq"/>; folded as
    /// <see cref="Apply(string, IAccountEvent, long)"/> folds, so notices from several nodes, which arrive in no set order,
    /// never undo a newer one. Null: not news.</summary>
    public bool? Heard(string name, long? sinceMs, long seq)
    {
        if (sinceMs is { } reservedAt) Times.Saw(reservedAt);
        return ByNumber(name, seq, n => sinceMs is { } since ? n.Reserve(name, since) : n.Release(name));
    }

    /// <summary>The number of <paramref name="name"/>'s account event this list last folded, or 0.</summary>
    public long SeqOf(string name) => _names.Seq.GetValueOrDefault(name);

    /// <summary>Releases <paramref name="name"/> if nothing newer than its event <paramref name="seq"/> was folded since
    /// (a re-read of the store no longer finds it reserved; a notice heard meanwhile wins). True when it was released.</summary>
    public bool ReleasedIfStill(string name, long seq)
    {
        var released = false;
        ImmutableInterlocked.Update(ref _names, n =>
        {
            released = false;
            if (n.Seq.GetValueOrDefault(name) != seq || !n.Since.ContainsKey(name)) return n;
            released = true;
            return n.Release(name);
        });
        return released;
    }

    private bool? ByNumber(string name, long seq, Func<Names, Names> fold)
    {
        bool? result = null;
        ImmutableInterlocked.Update(ref _names, n =>
        {
            result = null;
            if (n.Seq.TryGetValue(name, out var known) && seq <= known) return n;
            var next = fold(n);
            result = !ReferenceEquals(next, n);
            return next with { Seq = next.Seq.SetItem(name, seq) };
        });
        return result;
    }

    /// <summary>Every account in the store, read through Akka.Persistence.Query (the SQL plugin's read journal).</summary>
    public static async Task<ReservedNames> LoadAsync(ActorSystem system, CancellationToken cancel)
    {
        var names = new ReservedNames();
        var journal = ReadJournal(system, cancel);
        var materializer = system.Materializer();
        var ids = await journal.CurrentPersistenceIds()
            .Where(id => id.StartsWith(AccountActor.PersistenceIdPrefix, StringComparison.Ordinal))
            .RunWith(Sink.Seq<string>(), materializer).WaitAsync(cancel);
        foreach (var id in ids)
        {
            var name = id[AccountActor.PersistenceIdPrefix.Length..];
            // By number, as every later change is folded (a cluster's notices, a re-read).
            await journal.CurrentEventsByPersistenceId(id, 0, long.MaxValue)
                .RunForeach(e => { if (e.Event is IAccountEvent a) names.Apply(name, a, e.SequenceNr); }, materializer).WaitAsync(cancel);
        }
        return names;
    }

    // The plugin's read journal waits a fixed 5 s for the write journal to be ready (schema made, file opened), which a
    // loaded machine can exceed at start: it is asked again until the caller's own deadline.
    private static SqlReadJournal ReadJournal(ActorSystem system, CancellationToken cancel)
    {
        while (true)
        {
            try
            {
                return PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
            }
            catch (AggregateException e) when (e.InnerException is AskTimeoutException && !cancel.IsCancellationRequested)
            {
                system.Log.Warning("the data store is slow to open; still waiting for it");
            }
        }
    }
}
