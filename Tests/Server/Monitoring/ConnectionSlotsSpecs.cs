using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary>The monitor's connection slots without a socket: who is evicted for a newcomer, and who never is.</summary>
public sealed class ConnectionSlotsSpecs
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_newcomer_past_capacity_closes_the_connection_idle_longest()
    {
        var slots = new ConnectionSlots(2, perHost: 2);
        var (a, b) = (Open(slots, "a"), Open(slots, "b"));
        var c = Open(slots, "c");
        await a.Closed.WaitAsync(Patience.Scaled());
        Assert.False(b.Closed.IsCompleted);
        Assert.False(c.Closed.IsCompleted);
        Assert.True(c.Served);
    }

    [Fact]
    public async Task An_idle_connection_is_evicted_before_a_busy_one()
    {
        var slots = new ConnectionSlots(2, perHost: 2);
        var (a, b) = (Open(slots, "a"), Open(slots, "b"));
        var request = new TaskCompletionSource();
        var serving = slots.Serve(RequestOn("a"), _ => request.Task);
        var c = Open(slots, "c");
        await b.Closed.WaitAsync(Patience.Scaled()); // a is older but busy
        Assert.False(a.Closed.IsCompleted);
        request.SetResult();
        await serving;
        Assert.False(c.Closed.IsCompleted);
    }

    /// <summary>A local peer binds any of 127.0.0.0/8 and ::1, and any of the machine's own addresses (eth0's, a
    /// bridge's): all of them are one host, which makes way among its own.</summary>
    [Theory]
    [InlineData("127.0.0.2", "::1", "127.0.0.3")]
    [InlineData("192.0.2.50", "127.0.0.1", "2001:db8::50")]
    public async Task The_machines_addresses_and_loopbacks_are_one_host_and_make_way_among_their_own(string first, string second, string third)
    {
        var peers = new PeerAddresses(HostGrouping.Default, new MachineAddresses(() => [IPAddress.Parse("192.0.2.50"), IPAddress.Parse("2001:db8::50")]));
        var slots = new ConnectionSlots(8, perHost: 2, peers.HostKey);
        var other = Open(slots, "o", "192.0.2.9");
        var (a, b) = (Open(slots, "a", first), Open(slots, "b", second));
        var c = Open(slots, "c", third);
        await a.Closed.WaitAsync(Patience.Scaled()); // 8 slots, 4 in use: only the host's cap of 2 closes it
        Assert.True(c.Served);
        Assert.False(b.Closed.IsCompleted);
        Assert.False(other.Closed.IsCompleted);
    }

    /// <summary>Slow readers: a response nobody reads keeps its request in flight for good. They refused every
    /// <c>/healthz</c> while only idle connections could make way.</summary>
    [Fact]
    public async Task When_every_slot_serves_a_request_the_newcomer_takes_the_one_busy_longest()
    {
        var slots = new ConnectionSlots(2, perHost: 2);
        var (a, b) = (Open(slots, "a"), Open(slots, "b"));
        var stalled = new TaskCompletionSource();
        var servingB = slots.Serve(RequestOn("b"), _ => stalled.Task);
        var servingA = slots.Serve(RequestOn("a"), _ => stalled.Task); // a became busy after b
        var c = Open(slots, "c");
        await b.Closed.WaitAsync(Patience.Scaled());
        Assert.True(c.Served);
        Assert.False(a.Closed.IsCompleted);
        stalled.SetResult();
        await Task.WhenAll(servingA, servingB);
    }

    [Fact]
    public async Task A_host_at_its_cap_makes_way_among_its_own_and_others_keep_theirs()
    {
        var slots = new ConnectionSlots(8, perHost: 2);
        var probe = Open(slots, "p", "192.0.2.2");
        var stalled = new TaskCompletionSource();
        var (a, b) = (Open(slots, "a", "192.0.2.1"), Open(slots, "b", "192.0.2.1"));
        var serving = new[] { slots.Serve(RequestOn("a"), _ => stalled.Task), slots.Serve(RequestOn("b"), _ => stalled.Task) };
        var c = Open(slots, "c", "192.0.2.1");
        await a.Closed.WaitAsync(Patience.Scaled()); // its own oldest, busy as it is; the older idle probe of another host stays
        Assert.True(c.Served);
        Assert.False(b.Closed.IsCompleted);
        Assert.False(probe.Closed.IsCompleted);
        stalled.SetResult();
        await Task.WhenAll(serving);
    }

    [Fact]
    public async Task When_every_slot_is_busy_the_host_holding_the_most_gives_way()
    {
        var slots = new ConnectionSlots(3, perHost: 3);
        var stalled = new TaskCompletionSource();
        var scrape = Open(slots, "s", "10.0.0.7");
        var (a, b) = (Open(slots, "a", "10.0.0.1"), Open(slots, "b", "10.0.0.1"));
        var serving = new[] { "s", "a", "b" }.Select(id => slots.Serve(RequestOn(id), _ => stalled.Task)).ToArray();
        var probe = Open(slots, "p", "10.0.0.9");
        await a.Closed.WaitAsync(Patience.Scaled()); // the scrape is older, but 10.0.0.1 holds two
        Assert.True(probe.Served);
        Assert.False(scrape.Closed.IsCompleted);
        Assert.False(b.Closed.IsCompleted);
        stalled.SetResult();
        await Task.WhenAll(serving);
    }

    /// <summary>Slow readers a probe evicted reconnect while its request is on its way: the probe, the one connection
    /// not stuck in a request, was what they closed (a /healthz reset on a loaded box). Readers of two hosts and a probe
    /// of a third; readers of one host and a probe of that host, at its cap.</summary>
    [Theory]
    [InlineData(4, 4, "10.0.0.1 10.0.0.1 10.0.0.2 10.0.0.2", "10.0.0.9")]
    [InlineData(8, 3, "10.0.0.1 10.0.0.1 10.0.0.1", "10.0.0.1")]
    public async Task A_reader_reconnecting_while_a_probe_waits_for_its_answer_evicts_another_reader(int capacity, int perHost, string readerHosts, string probeHost)
    {
        var slots = new ConnectionSlots(capacity, perHost);
        var stalled = new TaskCompletionSource();
        var hosts = readerHosts.Split(' ');
        var readers = hosts.Select((host, i) => Open(slots, $"r{i}", host)).ToArray();
        var serving = hosts.Select((_, i) => slots.Serve(RequestOn($"r{i}"), _ => stalled.Task)).ToArray();
        var probe = Open(slots, "p", probeHost);
        await readers[0].Closed.WaitAsync(Patience.Scaled());
        Open(slots, "r0-again", hosts[0]); // back before the probe's request is read
        await readers[1].Closed.WaitAsync(Patience.Scaled()); // the busy longest of the host(s) holding the most
        Assert.False(probe.Closed.IsCompleted);
        Assert.False(readers[2].Closed.IsCompleted);
        stalled.SetResult();
        await Task.WhenAll(serving);
    }

    [Fact]
    public async Task A_kept_alive_connection_goes_to_the_back_of_the_queue_after_each_request()
    {
        var slots = new ConnectionSlots(2, perHost: 2);
        var (a, b) = (Open(slots, "a"), Open(slots, "b"));
        await slots.Serve(RequestOn("a"), _ => Task.CompletedTask);
        Open(slots, "c");
        await b.Closed.WaitAsync(Patience.Scaled()); // a was opened first but used since
        Assert.False(a.Closed.IsCompleted);
    }

    [Fact]
    public async Task A_closed_connection_frees_its_slot()
    {
        var slots = new ConnectionSlots(1, perHost: 1);
        var a = new Peer("a");
        var run = Connect(slots, a);
        a.Context.Abort(); // the peer hangs up
        await run.WaitAsync(Patience.Scaled());
        var b = Open(slots, "b");
        var request = new TaskCompletionSource();
        var serving = slots.Serve(RequestOn("b"), _ => request.Task);
        Assert.False(b.Closed.IsCompleted);
        request.SetResult();
        await serving;
    }

    static Peer Open(ConnectionSlots slots, string id, string? host = null)
    {
        var peer = new Peer(id);
        if (host is not null) peer.Context.RemoteEndPoint = new IPEndPoint(IPAddress.Parse(host), 40000);
        _ = Connect(slots, peer); // runs until the peer is closed
        return peer;
    }

    /// <summary>Runs the connection through the slots; "HTTP" behind them holds it until it is closed.</summary>
    static Task Connect(ConnectionSlots slots, Peer peer) => slots.Admit(c =>
    {
        peer.Served = true;
        return peer.Closed;
    })(peer.Context);

    static DefaultHttpContext RequestOn(string connection)
    {
        var h = new DefaultHttpContext();
        h.Connection.Id = connection;
        return h;
    }

    sealed class Peer
    {
        readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Peer(string id)
        {
            Context = new DefaultConnectionContext(id);
            Context.ConnectionClosed.Register(() => _closed.TrySetResult());
        }

        public DefaultConnectionContext Context { get; }
        public Task Closed => _closed.Task;
        public bool Served { get; set; }
    }
}
