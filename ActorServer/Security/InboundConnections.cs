using System.Collections.Concurrent;

namespace Switchboard.Server.Security;

/// <summary>
/// The live inbound connections of one transport, per socket host and in all, each capped. Akka's DotNetty frame
/// decoder holds a frame being read until its last byte, up to <c>maximum-frame-size</c> (512,000 bytes), before
/// anything of this node sees it: 2,000 connections that each sent a 511,000-byte length and all but the last byte held
/// ~1 GB. A connection is counted when the driver hands it over, before a byte of it is read, and refused past either
/// cap, so frames being read hold at most <c>max-connections</c> × the frame size, one host's at most
/// <c>max-connections-per-host</c> × it. Lock-free (compare-and-swap on the counts): called by the driver's threads at
/// accept and at close, never per message.
/// </summary>
public sealed class InboundConnections(int perHost, int total, TimeProvider clock)
{
    /// <summary>What <see cref="TryOpen"/> decided.</summary>
    public enum Verdict { Admitted, HostFull, AllFull }

    /// <summary>At most one refusal a minute is logged; the line counts those it stands for.</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    // Only hosts with a live connection have an entry: at most as many as live connections.
    private readonly ConcurrentDictionary<string, int> _hosts = new(StringComparer.Ordinal);
    private readonly long _warningTicks = (long)(WarningInterval.TotalSeconds * clock.TimestampFrequency);
    private int _open;
    private long _refused;
    private long _nextWarning = long.MinValue;

    public int PerHost => perHost;
    public int Total => total;

    /// <summary>Live connections in all.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Live connections from <paramref name="host"/>.</summary>
    public int OpenFrom(string host) => _hosts.TryGetValue(host, out var n) ? n : 0;

    /// <summary>Counts a new connection from <paramref name="host"/>, or counts nothing and says which cap it is past
    /// (a cap of 0 is none). Each admitted connection must be <see cref="Closed"/> exactly once.</summary>
    public Verdict TryOpen(string host)
    {
        var all = Interlocked.Increment(ref _open);
        if (total > 0 && all > total)
        {
            Interlocked.Decrement(ref _open);
            return Verdict.AllFull;
        }
        while (true)
        {
            if (!_hosts.TryGetValue(host, out var n))
            {
                if (_hosts.TryAdd(host, 1)) return Verdict.Admitted;
            }
            else if (perHost > 0 && n >= perHost)
            {
                Interlocked.Decrement(ref _open);
                return Verdict.HostFull;
            }
            else if (_hosts.TryUpdate(host, n + 1, n)) return Verdict.Admitted;
        }
    }

    /// <summary>A connection <see cref="TryOpen"/> admitted from <paramref name="host"/> is closed.</summary>
    public void Closed(string host)
    {
        Interlocked.Decrement(ref _open);
        // The last one takes the host's entry with it, unless another connection of the host changed it meanwhile.
        while (_hosts.TryGetValue(host, out var n))
            if (n <= 1 ? _hosts.TryRemove(new KeyValuePair<string, int>(host, n)) : _hosts.TryUpdate(host, n - 1, n))
                return;
    }

    /// <summary>Records a refusal; true for the one to log (the first, then the first a <see cref="WarningInterval"/>
    /// after the last logged), with <paramref name="refusals"/> the refusals since that one, this one included: one line
    /// whatever a flood of connections, from one host or many, and none of them unaccounted for.</summary>
    public bool Refused(out long refusals)
    {
        Interlocked.Increment(ref _refused);
        refusals = 0;
        var now = clock.GetTimestamp();
        var next = Interlocked.Read(ref _nextWarning);
        if (now < next || Interlocked.CompareExchange(ref _nextWarning, now + _warningTicks, next) != next) return false;
        refusals = Interlocked.Exchange(ref _refused, 0);
        return true;
    }
}
