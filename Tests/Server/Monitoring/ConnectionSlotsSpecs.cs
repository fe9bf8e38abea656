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
        var slots = new ConnectionSlots(2);
        var (a, b) = (Open(slots, "a"), Open(slots, "b"));
        var c = Open(slots, "c");
        await a.Closed.WaitAsync(Patience.Scaled());
        Assert.False(b.Closed.IsCompleted);
        Assert.False(c.Closed.IsCompleted);
        Assert.True(c.Served);
    }

    [Fact]
    public async Task A_connection_serving_a_request_is_never_evicted()
    {
        var slots = new ConnectionSlots(2);
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

    [Fact]
    public async Task When_every_slot_serves_a_request_the_newcomer_is_refused()
    {
        var slots = new ConnectionSlots(1);
        var a = Open(slots, "a");
        var request = new TaskCompletionSource();
        var serving = slots.Serve(RequestOn("a"), _ => request.Task);
        var b = Open(slots, "b");
        await b.Closed.WaitAsync(Patience.Scaled());
        Assert.False(b.Served);
        Assert.False(a.Closed.IsCompleted);
        request.SetResult();
        await serving;
    }

    [Fact]
    public async Task A_kept_alive_connection_goes_to_the_back_of_the_queue_after_each_request()
    {
        var slots = new ConnectionSlots(2);
        var (a, b) = (Open(slots, "a"), Open(slots, "b"));
        await slots.Serve(RequestOn("a"), _ => Task.CompletedTask);
        Open(slots, "c");
        await b.Closed.WaitAsync(Patience.Scaled()); // a was opened first but used since
        Assert.False(a.Closed.IsCompleted);
    }

    [Fact]
    public async Task A_closed_connection_frees_its_slot()
    {
        var slots = new ConnectionSlots(1);
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

    static Peer Open(ConnectionSlots slots, string id)
    {
        var peer = new Peer(id);
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
