using DotNetty.Common.Concurrency;
using DotNetty.Transport.Channels;
using Switchboard.Server.Hosting;
using IRunnable = Akka.Dispatch.IRunnable;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// The sessions' executor: its own dedicated thread until a DotNetty event loop hands it work, that loop's thread
/// from then on, its own thread again once the loop shuts down; never the .NET pool.
/// </summary>
public sealed class EventLoopExecutorSpecs : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly EventLoopExecutor _executor = new("sessions-under-test");
    private readonly SingleThreadEventLoop _loop = new("loop-under-test", TimeSpan.FromMilliseconds(100));

    public async ValueTask DisposeAsync()
    {
        _executor.Shutdown();
        await _loop.ShutdownGracefullyAsync(TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    private sealed class Probe : IRunnable
    {
        private readonly TaskCompletionSource<Thread> _ran = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Action? _then;

        public Probe(Action? then = null) => _then = then;

        public void Run()
        {
            _then?.Invoke();
            _ran.SetResult(Thread.CurrentThread);
        }

        public void Execute() => Run();

        public Task<Thread> Ran => _ran.Task.WaitAsync(Wait);
    }

    private static Task<Thread> ThreadOf(Probe probe, Action<IRunnable> execute)
    {
        execute(probe);
        return probe.Ran;
    }

    private async Task<Thread> LoopThread()
    {
        var seen = new TaskCompletionSource<Thread>(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Execute(() => seen.SetResult(Thread.CurrentThread));
        return await seen.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task Before_any_event_loop_calls_work_runs_on_the_executors_own_thread_not_the_pool()
    {
        var thread = await ThreadOf(new Probe(), _executor.Execute);

        Assert.False(thread.IsThreadPoolThread);
        Assert.True(thread.IsBackground); // a node that never shut its dispatcher down still exits
        Assert.Equal("sessions-under-test", thread.Name);
        Assert.Null(_executor.Loop);
    }

    [Fact]
    public async Task Work_its_own_thread_hands_back_does_not_move_it_onto_itself()
    {
        var inner = new Probe();
        var outer = new Probe(() => _executor.Execute(inner));

        var outerThread = await ThreadOf(outer, _executor.Execute);

        Assert.Same(outerThread, await inner.Ran);
        Assert.Null(_executor.Loop);
    }

    [Fact]
    public async Task Work_handed_over_by_another_executors_thread_that_is_no_channel_loop_does_not_move_it()
    {
        var other = new EventLoopExecutor("another-system");
        try
        {
            var otherThread = await ThreadOf(new Probe(), other.Execute);
            var fromOther = await ThreadOf(new Probe(), run => other.Execute(new Probe(() => _executor.Execute(run))));

            Assert.NotSame(otherThread, fromOther);
            Assert.Equal("sessions-under-test", fromOther.Name);
            Assert.Null(_executor.Loop);
        }
        finally
        {
            other.Shutdown();
        }
    }

    [Fact]
    public async Task Work_handed_over_by_an_event_loop_runs_on_that_loop_and_so_does_all_work_after_it()
    {
        var loopThread = await LoopThread();

        var fromLoop = await ThreadOf(new Probe(), run => _loop.Execute(() => _executor.Execute(run)));
        var fromTest = await ThreadOf(new Probe(), _executor.Execute);

        Assert.Same(loopThread, fromLoop);
        Assert.Same(loopThread, fromTest);
        Assert.Same(_loop, _executor.Loop);
    }

    [Fact]
    public async Task Once_the_loop_shuts_down_work_goes_back_to_the_executors_own_thread()
    {
        var loopThread = await LoopThread();
        await ThreadOf(new Probe(), run => _loop.Execute(() => _executor.Execute(run)));
        await _loop.ShutdownGracefullyAsync(TimeSpan.Zero, TimeSpan.FromSeconds(1));

        var after = await ThreadOf(new Probe(), _executor.Execute);

        Assert.NotSame(loopThread, after);
        Assert.False(after.IsThreadPoolThread);
        Assert.Equal("sessions-under-test", after.Name);
    }
}
