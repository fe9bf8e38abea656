using DotNetty.Common;

namespace Switchboard.Messages.Transport;

/// <summary>
/// DotNetty, Akka.Remote's transport, tracks one pooled buffer in 128 for leaks by default and captures a stack trace
/// for each it tracks: on a server at one request in flight, about 3 % of the event loop's CPU (Benchmarks/README.md,
/// stop 35). Switchboard's code never holds one of those buffers (Akka.Remote allocates and releases them all), so
/// the tracking could only find a bug of Akka's or DotNetty's.
/// </summary>
public static class BufferLeakDetection
{
    /// <summary>DotNetty's own setting (disabled, simple, advanced, paranoid): an operator who sets it keeps it.</summary>
    public const string Variable = "io.netty.leakDetection.level";

    /// <summary>Call before the actor system starts.</summary>
    public static void OffUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) ResourceLeakDetector.Level = ResourceLeakDetector.DetectionLevel.Disabled;
    }
}
