using BenchmarkDotNet.Running;

namespace Switchboard.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        switch (args)
        {
            // room for more subcommands (e.g. a `load` generator) ahead of BenchmarkDotNet's own arguments
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}
