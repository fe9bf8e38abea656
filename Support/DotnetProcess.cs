using System.Diagnostics;

namespace Switchboard.Support;

/// <summary>Starts <c>dotnet DLL ARGS</c> as a child whose stdout and stderr are read line by line.</summary>
public static class DotnetProcess
{
    public static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args, bool redirectInput)
    {
        // Through env(1), which execs dotnet in place (same pid) with SIGINT back to its default: a test run started
        // in the background of a script inherits SIGINT ignored, .NET keeps an inherited "ignore", and a child
        // could then never be interrupted the way a person interrupts it.
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Keeps the CLI's first-run and telemetry chatter out of the captured output.
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // A server started without --data keeps its store under $XDG_DATA_HOME: the children of one run share a
        // directory of that run, never the user's own ~/.local/share/switchboard (a spec's reserved name stays there).
        psi.Environment["XDG_DATA_HOME"] = ChildDataHome;
        return psi;
    }

    /// <summary>The <c>XDG_DATA_HOME</c> every child of this process gets (made 0700 by the server on first use),
    /// removed when this process exits.</summary>
    public static string ChildDataHome { get; } = RemovedAtExit(Path.Combine(Path.GetTempPath(), $"switchboard-run-{Environment.ProcessId}"));

    private static string RemovedAtExit(string dir)
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { } // a child still writing: left in /tmp
        };
        return dir;
    }

    /// <summary>
    /// Starts the process and hands each stdout line to <paramref name="onStdout"/> (then <c>null</c> once
    /// stdout ends) and each stderr line to <paramref name="onStderr"/>, on the runtime's reader threads.
    /// </summary>
    public static Process Start(string dll, IEnumerable<string> args, bool redirectInput, Action<string?> onStdout, Action<string> onStderr,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = new Process { StartInfo = StartInfo(dll, args, redirectInput), EnableRaisingEvents = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) process.StartInfo.Environment[key] = value;
        process.OutputDataReceived += (_, e) => onStdout(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) onStderr(e.Data);
        };
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
