using Akka.Actor;
using Akka.Remote;

namespace Switchboard.Server.Security;

/// <summary>
/// The origins (Akka addresses) inbound associations claim, per socket host, and what Akka keeps of them. Akka.Remote
/// keeps an endpoint (a ReliableDeliverySupervisor, ~11 KB) per remote address after its association is gone: gated
/// for retry-gate-closed-for, then idle until quarantine-after-silence (2 days). A peer writing a fresh origin in each
/// handshake and hanging up grew the node ~1 GB per 90,000 handshakes. So:
/// <list type="bullet">
/// <item>a socket host may have at most <c>switchboard.origins.per-host</c> distinct origins live or closed within
/// <c>window</c>; a handshake claiming one more is refused (<see cref="TryOpen"/>);</item>
/// <item>once an origin that never held a name here, nor reached the segment's door (another node), has no live
/// association, Akka is told to drop its endpoint: a quarantine without a uid, which stops the endpoint and gates the
/// address for retry-gate-closed-for (the gate is pruned after it; inbound associations are accepted meanwhile).</item>
/// </list>
/// Only those: the two sides of an origin that held a name have exchanged system messages (each watches the other),
/// and a fresh endpoint would number them from the start again, which the other side, still the same actor system,
/// takes for duplicates. Akka keeps those, and quarantines them when their watch fails. Not in a cluster system (the
/// node side): its members' endpoints are the cluster's.
/// Called from the transport's event loops, the gateway and the door: one lock. One per actor system (an extension).
/// </summary>
public sealed class OriginLedger : IExtension
{
    private readonly object _lock = new();
    private readonly Dictionary<Address, Entry> _entries = new();
    private readonly Dictionary<string, HostCount> _hosts = new(StringComparer.Ordinal);
    // Closed origins in the order they closed: those still closed a window later leave the count.
    private readonly Queue<(Address Origin, long ClosedAt)> _closed = new();
    private readonly int _perHost;
    private readonly long _windowMs;
    private readonly Func<long> _nowMs;
    private readonly Action<Address> _forget;

    internal OriginLedger(int perHost, TimeSpan window, Func<long> nowMs, Action<Address> forget)
    {
        _perHost = perHost;
        _windowMs = (long)window.TotalMilliseconds;
        _nowMs = nowMs;
        _forget = forget;
    }

    public static OriginLedger For(ActorSystem system) => system.WithExtension<OriginLedger, OriginLedgerId>();

    /// <summary>Records an association claiming <paramref name="origin"/> from <paramref name="socketHost"/>; false,
    /// recording nothing, when that host has its cap of other origins already. <paramref name="firstRefusal"/> says
    /// whether this is the host's first refusal within a window (a warning each window, not each handshake).</summary>
    public bool TryOpen(Address origin, string socketHost, out bool firstRefusal)
    {
        firstRefusal = false;
        lock (_lock)
        {
            Prune();
            if (_entries.TryGetValue(origin, out var known))
            {
                known.Live++;
                return true;
            }
            var host = _hosts.TryGetValue(socketHost, out var h) ? h : _hosts[socketHost] = new HostCount();
            if (_perHost > 0 && host.Origins >= _perHost)
            {
                var now = _nowMs();
                firstRefusal = host.WarnedAt is not { } at || now - at >= _windowMs;
                if (firstRefusal) host.WarnedAt = now;
                return false;
            }
            host.Origins++;
            _entries[origin] = new Entry(socketHost) { Live = 1 };
            return true;
        }
    }

    /// <summary>One association of <paramref name="origin"/> admitted by <see cref="TryOpen"/> is closed.</summary>
    public void Closed(Address origin)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(origin, out var entry) || --entry.Live > 0) return;
            entry.ClosedAt = _nowMs();
            _closed.Enqueue((origin, entry.ClosedAt));
        }
    }

    /// <summary>Akka published the end of an association with <paramref name="address"/> (its endpoint exists by
    /// then): forgotten if nothing here needs it.</summary>
    internal void Disassociated(Address address)
    {
        if (Forgettable(address)) _forget(address);
    }

    /// <summary>A client at <paramref name="address"/> was given a session here, or another node of this segment reached
    /// the door (whose name is secret): its endpoint is Akka's to keep.</summary>
    public void Keep(Address address)
    {
        lock (_lock)
            if (_entries.TryGetValue(address, out var entry)) entry.Kept = true;
    }

    /// <summary>Distinct origins <paramref name="socketHost"/> counts now.</summary>
    public int OriginsOf(string socketHost)
    {
        lock (_lock)
        {
            Prune();
            return _hosts.TryGetValue(socketHost, out var h) ? h.Origins : 0;
        }
    }

    private bool Forgettable(Address address)
    {
        lock (_lock)
            return _entries.TryGetValue(address, out var e) && e is { Live: 0, Kept: false };
    }

    private void Prune()
    {
        var now = _nowMs();
        while (_closed.TryPeek(out var c) && now - c.ClosedAt >= _windowMs)
        {
            _closed.Dequeue();
            // Still closed since then.
            if (!_entries.TryGetValue(c.Origin, out var e) || e.Live > 0 || e.ClosedAt != c.ClosedAt) continue;
            _entries.Remove(c.Origin);
            var host = _hosts[e.Host];
            if (--host.Origins == 0) _hosts.Remove(e.Host);
        }
    }

    private sealed class Entry(string host)
    {
        public string Host { get; } = host;
        public int Live { get; set; }
        public bool Kept { get; set; }
        public long ClosedAt { get; set; }
    }

    private sealed class HostCount
    {
        public int Origins { get; set; }
        public long? WarnedAt { get; set; }
    }

    /// <summary>Hears Akka's DisassociatedEvent: published by the endpoint's writer, so after the endpoint manager
    /// registered the endpoint (a quarantine sent when the transport sees the close could overtake the association).</summary>
    private sealed class Listener : ReceiveActor
    {
        public Listener(OriginLedger ledger)
        {
            Receive<DisassociatedEvent>(e => ledger.Disassociated(e.RemoteAddress));
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
    }

    internal sealed class OriginLedgerId : ExtensionIdProvider<OriginLedger>
    {
        public override OriginLedger CreateExtension(ExtendedActorSystem system)
        {
            var config = system.Settings.Config;
            // Without remoting (an in-process spec's system) there is nothing to forget.
            var remote = system.Provider is IRemoteActorRefProvider r and not Akka.Cluster.ClusterActorRefProvider ? r : null;
            var ledger = new OriginLedger(
                config.GetInt("switchboard.origins.per-host", 0),
                config.GetTimeSpan("switchboard.origins.window", TimeSpan.FromMinutes(1)),
                () => Environment.TickCount64,
                address => remote?.Transport.Quarantine(address, null));
            if (remote is not null) system.SystemActorOf(Props.Create(() => new Listener(ledger)), "origin-ledger");
            return ledger;
        }
    }
}
