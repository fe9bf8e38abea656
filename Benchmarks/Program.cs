using BenchmarkDotNet.Running;

namespace Switchboard.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["load" or "capacity" or "messaging", ..]:
                return Load.LoadCommand.Run(args[0], args[1..]);
            case ["echo-server", ..]:
                return Load.EchoServer.Run(args[1..]);
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}
