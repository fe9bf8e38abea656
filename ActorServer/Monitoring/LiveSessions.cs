using System.Collections.Concurrent;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// One client's figures as its session keeps them: written only by the session (its one thread at a time),
/// read by the monitoring endpoint from another thread, so every field is read and written whole.
/// </summary>
public sealed class SessionFigures(string name, string node, DateTimeOffset since)
{
    long _requests, _unacked, _rateLimited;

    public string Name { get; } = name;
    public string Node { get; } = node;
    public DateTimeOffset Since { get; } = since;
    public long Requests => Volatile.Read(ref _requests);
    public long Unacked => Volatile.Read(ref _unacked);
    public long RateLimited => Volatile.Read(ref _rateLimited);

    public void Request() => Volatile.Write(ref _requests, _requests + 1);
    public void SetUnacked(long events) => Volatile.Write(ref _unacked, events);
    public void Limited() => Volatile.Write(ref _rateLimited, _rateLimited + 1);
}

/// <summary>This node's sessions by name (a name has at most one session per node).</summary>
public sealed class LiveSessions
{
    readonly ConcurrentDictionary<string, SessionFigures> _byName = new(StringComparer.Ordinal);

    public int Count => _byName.Count;

    public void Add(SessionFigures figures) => _byName[figures.Name] = figures;

    /// <summary>Removes exactly this session's entry (a newer session of the same name stays).</summary>
    public void Remove(SessionFigures figures) => _byName.TryRemove(new KeyValuePair<string, SessionFigures>(figures.Name, figures));

    /// <summary>A page of the sessions ordered by name, and how many there are in all.</summary>
    public (IReadOnlyList<SessionFigures> Page, int Total) Page(int offset, int limit)
    {
        var all = _byName.Values.ToArray();
        Array.Sort(all, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return (all.Skip(offset).Take(limit).ToArray(), all.Length);
    }
}
