using System.Diagnostics;
using System.Threading.Channels;

namespace Switchboard.Tests.Support;

/// <summary>Locates the built ActorServer/ActorClient next to this test assembly's configuration.</summary>
public static class Binaries
{
    private static readonly string Root = RepoRoot.Find();

    public static string Server => Dll("ActorServer");
    public static string Client => Dll("ActorClient");
    public static string Benchmarks => Dll("Benchmarks");

    private static string Dll(string project)
    {
        // Tests/bin/<Configuration>/<tfm>/Tests.dll → <root>/<project>/bin/<Configuration>/<tfm>/<project>.dll
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(Root, project, "bin", tfmDir.Parent!.Name, tfmDir.Name, project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {project} first", path);
    }
}

/// <summary>A real child process with line-oriented stdout/stderr capture; killed on dispose, whatever happened.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
    private readonly LineLog _allOut = new();
    private readonly LineLog _allErr = new();

    /// <param name="environment">Variables set in the child's environment besides this process's own (an empty value
    /// is a variable set but empty).</param>
    public ChildProcess(string dll, IEnumerable<string> args, bool redirectInput = true, IReadOnlyDictionary<string, string>? environment = null) =>
        _process = DotnetProcess.Start(dll, args, redirectInput, line =>
        {
            if (line is null) { _stdout.Writer.TryComplete(); return; }
            _allOut.Add(line);
            _stdout.Writer.TryWrite(line);
        }, _allErr.Add, environment is null ? ShortLived : new Dictionary<string, string>(ShortLived.Concat(environment)));

    // A spec's process lives seconds: no tier-1 rejits and no PGO instrumentation, which cost a quarter of the suite's
    // CPU on 2 cores (measured: 89 s → 68 s for the name and server-client specs). Benchmarks keep the defaults.
    // No diagnostics IPC either: the runtime makes a /tmp socket and pipes per process, which a process killed with
    // SIGKILL (as many specs do) leaves behind; thousands piled up in /tmp over the suite's runs.
    internal static readonly Dictionary<string, string> ShortLived = new()
    {
        ["DOTNET_TieredPGO"] = "0", ["DOTNET_TC_CallCounting"] = "0", ["DOTNET_EnableDiagnostics"] = "0",
    };

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string StdErr => _allErr.ToString();
    public string StdOut => _allOut.ToString();

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>The next stdout line, or a clear failure after <paramref name="timeout"/> (scaled by <see cref="TimeFactor"/>).</summary>
    public Task<string> ReadLineAsync(TimeSpan? timeout = null) => ReadScaledAsync((timeout ?? TimeSpan.FromSeconds(20)).Scaled());

    private async Task<string> ReadScaledAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _stdout.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no output line within {timeout}; stderr:\n{StdErr}");
        }
        catch (ChannelClosedException)
        {
            throw new EndOfStreamException($"process exited ({(HasExited ? ExitCode : -1)}) without another line; stderr:\n{StdErr}");
        }
    }

    /// <summary>Reads lines until one satisfies <paramref name="match"/> (the bound scaled by <see cref="TimeFactor"/>).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout.Scaled();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"expected line did not appear; stdout:\n{StdOut}\nstderr:\n{StdErr}");
            var line = await ReadScaledAsync(left);
            if (match(line)) return line;
        }
    }

    /// <summary>Waits until stderr (the log) contains <paramref name="text"/>: log lines come from Akka's log actor, in
    /// no fixed order with stdout, so they are waited for, never assumed.</summary>
    public Task WaitForStdErrAsync(string text, TimeSpan timeout) =>
        Eventually.HoldsAsync(() => StdErr.Contains(text, StringComparison.Ordinal), timeout, () => $"'{text}' did not appear in the log; stderr:\n{StdErr}");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        timeout = timeout.Scaled();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process {Pid} did not exit within {timeout}; stderr:\n{StdErr}");
        }
        return _process.ExitCode;
    }

    public void Signal(int signal) => _ = Posix.Kill(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10).Scaled());
            }
        }
        catch (InvalidOperationException) { }
        catch (TimeoutException) { }
        _process.Dispose();
    }
}
