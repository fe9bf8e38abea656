using System.CommandLine;
using BenchmarkDotNet.Running;
using Switchboard.Benchmarks.Load;

namespace Switchboard.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Switchboard load generator; any other arguments go to the BenchmarkDotNet micro benchmarks (--filter '*Name*', --list flat)");
        foreach (var command in LoadCommandLine.Commands(LoadCommand.Run)) root.Subcommands.Add(command);
        root.Subcommands.Add(EchoServer.Command());
        root.Subcommands.Add(Nats.NatsResponder.Command());
        root.Subcommands.Add(Nats.NatsClient.Command());
        root.Subcommands.Add(SocketFloor.Command());
        root.Subcommands.Add(SocketFloor.ServerCommand());
        // BenchmarkDotNet parses its own arguments (and answers --help): only a subcommand name selects ours.
        if (args.Length == 0 || !root.Subcommands.Any(c => c.Name == args[0]))
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine($"usage: Benchmarks {args[0]} [options]; Benchmarks {args[0]} --help lists them");
            return 2;
        }
        // The load's clients and echo server run Akka.Remote as the product's processes do.
        Switchboard.Messages.Transport.BufferLeakDetection.OffUnlessSet();
        // The load commands stop their servers on Ctrl-C themselves; the parser must not take the signal.
        return parsed.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
