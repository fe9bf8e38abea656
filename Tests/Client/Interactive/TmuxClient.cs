using System.Diagnostics;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// The real interactive client in a detached tmux pane of a fixed size, driven as a person drives it: keys in
/// with <c>send-keys</c>, the screen out with <c>capture-pane</c>. Each instance has its own tmux server
/// (socket) and history folder, both removed on dispose, whatever happened.
/// </summary>
public sealed class TmuxClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private readonly string _socket = "sbtest-" + Guid.NewGuid().ToString("N")[..12];

    private readonly bool _ownsState;
    private string? _socketPath;

    private TmuxClient(string stateHome, bool ownsState)
    {
        StateHome = stateHome;
        _ownsState = ownsState;
    }

    /// <summary>XDG_STATE_HOME of the client: the history file is under it.</summary>
    public string StateHome { get; }

    public string HistoryFile => Path.Combine(StateHome, "switchboard", "history");

    /// <summary>Starts <c>ActorClient NAME --server ADDRESS ARGS</c>; after it exits the pane shows <c>[exited N]</c>.</summary>
    public static TmuxClient Start(string name, string server, string[] args, int width = 100, int height = 30, string? stateHome = null, string? term = null)
    {
        var client = new TmuxClient(stateHome ?? Directory.CreateTempSubdirectory("sbtest-state-").FullName, ownsState: stateHome is null);
        var command = string.Join(' ', new[] { "dotnet", Binaries.Client, name, "--server", server }.Concat(args).Select(Quote));
        var env = $"XDG_STATE_HOME={Quote(client.StateHome)} DOTNET_CLI_TELEMETRY_OPTOUT=1" + (term is null ? "" : $" TERM={term}");
        // The shell stays after the client so that its exit code can be read from the screen.
        client.Tmux("new-session", "-d", "-s", "c", "-x", width.ToString(), "-y", height.ToString(),
            $"env {env} {command}; echo \"[exited $?]\"; sleep 600");
        client._socketPath = client.Tmux("display-message", "-p", "#{socket_path}").Trim();
        return client;
    }

    /// <summary>Text typed as is (no key names).</summary>
    public void Type(string text) => Tmux("send-keys", "-t", "c", "-l", text);

    /// <summary>Keys by tmux name: Enter, Escape, Tab, Up, Left, Home, C-a, C-u, BSpace ...</summary>
    public void Keys(params string[] keys) => Tmux(["send-keys", "-t", "c", .. keys]);

    /// <summary>The visible screen, one string per row.</summary>
    public string[] Screen() => Tmux("capture-pane", "-p", "-t", "c").TrimEnd('\n').Split('\n');

    /// <summary>Everything the pane showed, scrolled-off rows included.</summary>
    public string[] Scrollback() => Tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "c").TrimEnd('\n').Split('\n');

    /// <summary>The last row with something on it: where the prompt is when the client waits for input.</summary>
    public static string LastLine(string[] screen) => screen.LastOrDefault(l => l.Trim().Length > 0) ?? "";

    /// <summary>The screen with rows that the terminal wrapped joined back into one line.</summary>
    public string[] Lines() => Tmux("capture-pane", "-p", "-J", "-t", "c").TrimEnd('\n').Split('\n');

    /// <summary>Waits until the screen satisfies <paramref name="condition"/>; fails with the screen as it was.</summary>
    public async Task<string[]> WaitForAsync(Func<string[], bool> condition, string what, bool joined = false)
    {
        var deadline = DateTime.UtcNow + Patience.Scaled();
        while (true)
        {
            var screen = joined ? Lines() : Screen();
            if (condition(screen)) return screen;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the screen never showed {what} within {Patience.TotalSeconds}s; it shows:\n{string.Join('\n', screen)}");
            await Task.Delay(100);
        }
    }

    public Task<string[]> WaitForTextAsync(string text, bool joined = false) =>
        WaitForAsync(s => s.Any(l => l.Contains(text, StringComparison.Ordinal)), $"'{text}'", joined);

    /// <summary>The row that ends with the prompt and <paramref name="typed"/> (the input line as a person sees it).</summary>
    public Task<string[]> WaitForInputAsync(string typed) =>
        WaitForAsync(s => s.Any(l => l.TrimEnd().EndsWith("> " + typed, StringComparison.Ordinal)), $"the input '{typed}'", joined: true);

    public Task<int> WaitForExitAsync() => WaitForAsync(s => s.Any(l => l.StartsWith("[exited ")), "the client's exit")
        .ContinueWith(t => int.Parse(t.Result.First(l => l.StartsWith("[exited "))["[exited ".Length..].TrimEnd(']', ' ')), TaskScheduler.Default);

    public ValueTask DisposeAsync()
    {
        try { Tmux("kill-server"); } catch (InvalidOperationException) { }
        // tmux leaves its socket file behind when its server is killed.
        if (_socketPath is { Length: > 0 } socket) File.Delete(socket);
        if (_ownsState)
            try { Directory.Delete(StateHome, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs tmux on this instance's own server; throws with its stderr when it fails.</summary>
    private string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(_socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException("tmux did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("these specs drive the client under tmux, which is not installed (apt-get install -y tmux)", e);
        }
        using var _ = p;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30))) p.Kill();
        if (p.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error.Result}");
        return output.Result;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
