using Akka.Configuration;
using Akka.Dispatch;
using DotNetty.Common.Concurrency;
using DotNetty.Transport.Channels;
using IRunnable = Akka.Dispatch.IRunnable;

namespace Switchboard.Server.Hosting;

/// <summary>
/// A dispatcher on one dedicated thread that moves onto the DotNetty event loop which first hands it work. With the
/// sessions and remoting's endpoint actors on it, a request is read, handled and answered on the loop's thread: the
/// loop no longer wakes an actor thread for each message, nor is woken back for each reply (Benchmarks/README.md,
/// stop 34). Until a loop calls (start-up, specs without remoting) and after that loop shuts down, the work runs on
/// the executor's own thread, never on the .NET pool. A mailbox runs on one thread at a time whichever thread it is
/// given to, so the move keeps Akka's guarantees.
/// </summary>
public sealed class EventLoopExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new EventLoopExecutor(id);
}

/// <summary>See <see cref="EventLoopExecutorConfigurator"/>.</summary>
public sealed class EventLoopExecutor : ExecutorService
{
    private static readonly Action<object> RunIt = static run => ((IRunnable)run).Run();
    private static readonly TimeSpan Breakout = TimeSpan.FromMilliseconds(100);

    private readonly SingleThreadEventExecutor _own;
    private IEventExecutor? _loop;

    public EventLoopExecutor(string id) : base(id) => _own = new SingleThreadEventExecutor(id, Breakout);

    /// <summary>The event loop this executor moved onto, if it has.</summary>
    public IEventExecutor? Loop => Volatile.Read(ref _loop);

    public override void Execute(IRunnable run)
    {
        var loop = Volatile.Read(ref _loop);
        // Only a channel loop: another dispatcher's own thread (a second actor system in the process) is not one.
        if (loop is null && ExecutionEnvironment.TryGetCurrentExecutor(out var current) && current is IEventLoop)
            loop = Interlocked.CompareExchange(ref _loop, current, null) ?? current;
        if (loop is { IsShuttingDown: false } && TryExecute(loop, run)) return;
        if (!TryExecute(_own, run))
            throw new Akka.Dispatch.RejectedExecutionException($"dispatcher {Id} is shut down");
    }

    public override void Shutdown() => _own.ShutdownGracefullyAsync(TimeSpan.Zero, TimeSpan.FromSeconds(1));

    private static bool TryExecute(IEventExecutor executor, IRunnable run)
    {
        try
        {
            executor.Execute(RunIt, run);
            return true;
        }
        catch (DotNetty.Common.Concurrency.RejectedExecutionException)
        {
            // Shut down between the check and the call.
            return false;
        }
    }
}
