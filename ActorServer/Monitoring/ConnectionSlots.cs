using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// The monitor's bound on open connections, which slow peers cannot use to shut probes out. Kestrel's own limit
/// refuses a newcomer when it is full, so peers that open connections and never finish a header kept every
/// <c>/healthz</c> out until their header timeout. Here a newcomer takes the slot of the connection idle longest
/// (no request in flight: still sending its header, or kept alive between requests), which is closed; only when
/// every slot is serving a request is the newcomer refused. Held connections are evicted oldest first, so a probe,
/// whose request follows its connect at once, is served before any held connection could push it out.
/// </summary>
internal sealed class ConnectionSlots(int capacity)
{
    sealed class Slot(ConnectionContext connection)
    {
        public ConnectionContext Connection { get; } = connection;
        public int InFlight; // requests being served (HTTP/2 may run several on one connection)
        public LinkedListNode<Slot>? Idle;
    }

    readonly Lock _gate = new();
    readonly Dictionary<string, Slot> _open = [];
    readonly LinkedList<Slot> _idle = []; // oldest idle first

    public int Capacity => capacity;

    /// <summary>For <c>ListenOptions.Use</c>: admits, evicts or refuses each connection before HTTP sees it.</summary>
    public ConnectionDelegate Admit(ConnectionDelegate next) => async connection =>
    {
        var slot = new Slot(connection);
        Slot? evicted = null;
        bool admitted;
        lock (_gate)
        {
            if (_open.Count >= capacity && _idle.First is { } oldest) Forget(evicted = oldest.Value);
            admitted = _open.Count < capacity;
            if (admitted)
            {
                _open[connection.ConnectionId] = slot;
                slot.Idle = _idle.AddLast(slot);
            }
        }
        evicted?.Connection.Abort(new ConnectionAbortedException("idle longest while every monitor connection was taken"));
        if (!admitted)
        {
            connection.Abort(new ConnectionAbortedException("every monitor connection is serving a request"));
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            lock (_gate) Forget(slot);
        }
    };

    /// <summary>HTTP middleware: a connection with a request in flight is busy, never evicted.</summary>
    public async Task Serve(HttpContext h, RequestDelegate next)
    {
        Slot? slot;
        lock (_gate)
        {
            if (_open.TryGetValue(h.Connection.Id, out slot) && slot.InFlight++ == 0 && slot.Idle is { } node)
            {
                _idle.Remove(node);
                slot.Idle = null;
            }
        }
        try
        {
            await next(h);
        }
        finally
        {
            if (slot is not null)
                lock (_gate)
                    if (--slot.InFlight == 0 && IsOpen(slot)) slot.Idle = _idle.AddLast(slot);
        }
    }

    bool IsOpen(Slot slot) => _open.TryGetValue(slot.Connection.ConnectionId, out var s) && ReferenceEquals(s, slot);

    /// <summary>Idempotent: an evicted slot is forgotten at eviction and again when its connection ends.</summary>
    void Forget(Slot slot)
    {
        if (IsOpen(slot)) _open.Remove(slot.Connection.ConnectionId);
        if (slot.Idle is { } node)
        {
            _idle.Remove(node);
            slot.Idle = null;
        }
    }
}
