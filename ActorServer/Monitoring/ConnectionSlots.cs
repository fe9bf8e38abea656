using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// The monitor's bound on open connections, which slow peers cannot use to shut probes out. Kestrel's own limit
/// refuses a newcomer when it is full, so peers that open connections and never finish a header kept every
/// <c>/healthz</c> out until their header timeout. Here a newcomer is always admitted, and makes room:
/// <list type="bullet">
/// <item>one host (its IP as <see cref="PeerAddresses.HostKey(string)"/> groups it: the node's
/// <c>switchboard.hosts</c>, every loopback address and every address of the machine one host by default) holds at most <c>perHost</c> connections: past it, its own oldest
/// gives way, so one host's peers evict only each other;</item>
/// <item>past <c>capacity</c>, the host holding the most (the newcomer counted with its own) gives way its oldest, so a
/// newcomer never closes a connection of a host holding fewer than its own.</item>
/// </list>
/// "Oldest" is longest in its present state: idle (still sending its header, or kept alive between requests) since it
/// was admitted or its last answer, busy since its request came. A probe, whose request follows its connect at once
/// and is answered at once, is the newest connection while it is served: peers it evicted, reconnecting while its
/// request is on its way, evict the others first. (Idle before busy, the rule before, took the probe itself: a slow
/// reader's request stays in flight for good, so the probe was the one idle connection left, and a reader it had
/// evicted closed it when it came back; SlowPeerSpecs failed so on a loaded box.)
/// </summary>
/// <param name="hostKey">A socket's host as the node keys it (<see cref="PeerAddresses.HostKey(string)"/>); by default
/// the default grouping without the machine's own addresses (specs).</param>
internal sealed class ConnectionSlots(int capacity, int perHost, Func<string, string>? hostKey = null)
{
    sealed class Slot(ConnectionContext connection, string host)
    {
        public ConnectionContext Connection { get; } = connection;
        public string Host { get; } = host;
        public int InFlight; // requests being served (HTTP/2 may run several on one connection)
        public long Since; // when it was admitted or last became busy or idle (the slots' own count, not a clock)
    }

    readonly Lock _gate = new();
    readonly Dictionary<string, Slot> _open = [];
    long _tick;

    public int Capacity => capacity;

    /// <summary>For <c>ListenOptions.Use</c>: admits each connection before HTTP sees it, evicting one if need be.</summary>
    public ConnectionDelegate Admit(ConnectionDelegate next) => async connection =>
    {
        var host = HostOf(connection);
        var slot = new Slot(connection, host);
        Slot? evicted;
        lock (_gate)
        {
            evicted = ToEvict(host);
            if (evicted is not null) Forget(evicted);
            _open[connection.ConnectionId] = slot;
            slot.Since = ++_tick;
        }
        evicted?.Connection.Abort(new ConnectionAbortedException(evicted.Host == host
            ? "the oldest of its host's monitor connections, for a newcomer of that host"
            : "the oldest while every monitor connection was taken"));
        try
        {
            await next(connection);
        }
        finally
        {
            lock (_gate) Forget(slot);
        }
    };

    Slot? ToEvict(string host)
    {
        var mine = _open.Values.Where(s => s.Host == host).ToList();
        if (mine.Count >= perHost) return Oldest(mine);
        if (_open.Count < capacity) return null;
        var held = _open.Values.GroupBy(s => s.Host).Select(g => (Count: g.Count() + (g.Key == host ? 1 : 0), Slots: g)).ToList();
        var most = held.Max(h => h.Count);
        return Oldest(held.Where(h => h.Count == most).SelectMany(h => h.Slots));
    }

    static Slot Oldest(IEnumerable<Slot> slots) => slots.MinBy(s => s.Since)!;

    readonly Func<string, string> _hostKey = hostKey ?? (h => PeerAddresses.HostKey(h, HostGrouping.Default));

    string HostOf(ConnectionContext connection) =>
        connection.RemoteEndPoint is System.Net.IPEndPoint ip ? _hostKey(ip.Address.ToString()) : "";

    /// <summary>HTTP middleware: a connection's state (busy while a request is in flight, else idle) starts its age afresh.</summary>
    public async Task Serve(HttpContext h, RequestDelegate next)
    {
        Slot? slot;
        lock (_gate)
            if (_open.TryGetValue(h.Connection.Id, out slot) && slot.InFlight++ == 0)
                slot.Since = ++_tick;
        try
        {
            await next(h);
        }
        finally
        {
            if (slot is not null)
                lock (_gate)
                    if (--slot.InFlight == 0 && IsOpen(slot))
                        slot.Since = ++_tick;
        }
    }

    bool IsOpen(Slot slot) => _open.TryGetValue(slot.Connection.ConnectionId, out var s) && ReferenceEquals(s, slot);

    /// <summary>Idempotent: an evicted slot is forgotten at eviction and again when its connection ends.</summary>
    void Forget(Slot slot)
    {
        if (IsOpen(slot)) _open.Remove(slot.Connection.ConnectionId);
    }
}
