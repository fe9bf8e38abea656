using System.Diagnostics;
using Switchboard.Support;

namespace Switchboard.Benchmarks.Load;

/// <summary>The CPU time (and, by thread name, its parts) of a client process when its n-th answer line arrived, and when; how
/// many times its threads had gone to sleep (voluntary context switches of the live threads).</summary>
public sealed record CpuSample(long Answers, double CpuMs, long Ticks, Dictionary<int, (string Name, long Ticks)> Threads, long Sleeps);

/// <summary>
/// A client process driven line by line (<c>client-cost</c>): the scripted <c>ActorClient</c> or <c>Benchmarks
/// nats-client</c>. It is fed <c>count</c> request lines on stdin (it answers each before reading the next), and its
/// CPU time is read from /proc when given answer lines arrive, while it waits for more input, before it unregisters
/// and exits. Killed on dispose, on Ctrl-C and at exit (<see cref="ChildProcess.Cleanup"/>).
/// </summary>
public sealed class ScriptedClientProcess : ChildProcess
{
    private readonly Process _process;
    private readonly string _answerPrefix;
    private readonly long[] _checkpoints;
    private readonly List<CpuSample> _samples = [];
    private readonly TaskCompletionSource _allAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _answers, _errors;
    private string? _firstError;

    public long Errors => Interlocked.Read(ref _errors);
    public string? FirstError => _firstError;
    public IReadOnlyList<CpuSample> Samples => _samples;
    public string Output => Log.ToString();
    public int ExitCode => _process.ExitCode;

    private ScriptedClientProcess(string dll, IEnumerable<string> args, string answerPrefix, long[] checkpoints, IReadOnlyDictionary<string, string>? environment)
    {
        _answerPrefix = answerPrefix;
        _checkpoints = checkpoints;
        _process = DotnetProcess.Start(dll, args, redirectInput: true, OnStdout, Log.Add, environment);
        Track(_process);
    }

    // Runs on the stdout reader thread: the sample is taken as soon as the answer is read, while the client reads its next line.
    private void OnStdout(string? line)
    {
        if (line is null)
        {
            _allAnswered.TrySetException(new InvalidOperationException($"the client exited after {Interlocked.Read(ref _answers)} answer(s): {Log}"));
            return;
        }
        if (!line.StartsWith(_answerPrefix, StringComparison.Ordinal))
        {
            Log.Add(line);
            return;
        }
        if (line.Contains(": error ", StringComparison.Ordinal) && Interlocked.Increment(ref _errors) == 1) _firstError = line;
        var n = Interlocked.Increment(ref _answers);
        if (Array.IndexOf(_checkpoints, n) < 0) return;
        var threads = ProcStats.Threads(Pid);
        _samples.Add(new CpuSample(n, ProcStats.CpuTime(Pid).TotalMilliseconds, Stopwatch.GetTimestamp(), threads, ProcStats.ContextSwitches(Pid).Voluntary));
        if (n == _checkpoints[^1]) _allAnswered.TrySetResult();
    }

    /// <summary>Starts <c>dotnet DLL ARGS</c> (with <paramref name="environment"/> added), feeds it <paramref name="count"/> copies of <paramref name="line"/>, samples its
    /// CPU at each of <paramref name="checkpoints"/> answers (the last one is <paramref name="count"/>), then closes its input and
    /// waits for it to exit.</summary>
    public static async Task<ScriptedClientProcess> RunAsync(string dll, IEnumerable<string> args, string line, string answerPrefix,
        long count, long[] checkpoints, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var p = new ScriptedClientProcess(dll, args, answerPrefix, checkpoints, environment);
        try
        {
            var input = p._process.StandardInput;
            // The pipe holds about 64 KiB: the rest is written as the client reads.
            var feeding = Task.Run(async () =>
            {
                for (long i = 0; i < count; i++) await input.WriteLineAsync(line);
                await input.FlushAsync();
            });
            await p._allAnswered.Task.WaitAsync(timeout);
            await feeding.WaitAsync(timeout);
            input.Close(); // end of input: the client unregisters and exits
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p._process.WaitForExitAsync(exit.Token);
            return p;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            p.Dispose();
            throw new TimeoutException($"client {Path.GetFileName(dll)} {string.Join(' ', args)}: {Interlocked.Read(ref p._answers)} of {count} answers in {timeout.TotalSeconds:0} s:\n{p.Log}");
        }
        catch
        {
            p.Dispose();
            throw;
        }
    }

    protected override void Signal(Process process, bool force)
    {
        if (force) process.Kill(entireProcessTree: true);
        else _ = Posix.Kill(process.Id, Posix.SIGTERM);
    }
}
