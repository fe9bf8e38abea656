namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// <c>./run.sh</c>'s arguments: what follows <c>--</c> goes to the server (a tester's finding: there was no way to
/// choose its segment, or any other server option). Only the answers given before it builds are run here.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class RunScriptSpecs
{
    [Fact]
    public async Task Its_help_says_that_options_after_a_double_dash_are_the_servers()
    {
        var (code, stdout, _) = await RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("usage: ./run.sh [NAME] [PORT | --port PORT] [CLIENT OPTIONS...] [-- SERVER OPTIONS...]", stdout);
        Assert.Contains("--segment NAME", stdout);
    }

    // The client dials 127.0.0.1 on run.sh's port: a server told another port or host after -- would not be found.
    [Theory]
    [InlineData("--port", "5")]
    [InlineData("--port=5", null)]
    [InlineData("--host", "127.0.0.2")]
    public async Task The_servers_port_and_host_stay_run_shs_own(string option, string? value)
    {
        var (code, _, stderr) = await RunAsync(value is null ? ["alice", "--", option] : ["alice", "--", option, value]);
        Assert.Equal(2, code);
        Assert.Contains("run.sh: give the port to run.sh (./run.sh alice PORT), not after --", stderr);
        Assert.DoesNotContain("building", stderr);
    }

    // What run.sh does once it has built: start the server and wait for it to listen. A dotnet of the spec's stands in for
    // the real one (no Release build, no server): it builds nothing and answers as the server would.
    private const string FakeDotnet = """
        #!/usr/bin/env bash
        case "$1" in
          build) exit 0 ;;
          *ActorServer.dll)
            for a in "$@"; do
              case "$a" in
                --help) echo "Usage:"; echo "  ActorServer [command] [options]"; exit 0 ;;
                --refuse) echo "error: refused for the spec" >&2; exit 1 ;;
              esac
            done
            exit 3 ;;
          *) exit 4 ;;
        esac
        """;

    // A new user's finding: the server's help, asked for through run.sh, was reported as a failed start (exit code 1).
    [Fact]
    public async Task The_servers_help_asked_for_after_a_double_dash_is_its_answer_not_a_failed_start()
    {
        var (code, stdout, stderr) = await RunWithFakeDotnetAsync("alice", "--", "--help");
        Assert.Equal(0, code);
        Assert.Contains("ActorServer [command] [options]", stdout);
        Assert.DoesNotContain("did not start", stderr);
        Assert.DoesNotContain("log is kept", stderr);
    }

    [Fact]
    public async Task A_server_that_ends_before_it_listens_with_an_error_is_a_failed_start_said_as_such()
    {
        var (code, stdout, stderr) = await RunWithFakeDotnetAsync("alice", "--", "--refuse");
        Assert.Equal(1, code);
        Assert.Contains("error: refused for the spec", stdout);
        var said = Assert.Single(stderr.Split('\n'), l => l.StartsWith("run.sh: the server did not start (exit code 1; its log, above, is kept: ", StringComparison.Ordinal));
        var log = said[(said.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].TrimEnd(')');
        Assert.True(File.Exists(log), log);
        File.Delete(log);
    }

    // A server that listens and is then killed (kill -9, as the OOM killer would) by the spec's client: it leaves its
    // segment's three files, as a real node does. RUN_SPEC_DIR says where it notes its segment and pid; with
    // RUN_SPEC_HOLD set, a process of its own keeps the segment's lock file open after it is gone.
    private const string KilledServerDotnet = """
        #!/usr/bin/env bash
        case "$1" in
          build) exit 0 ;;
          *ActorServer.dll)
            seg="" prev=""
            for a in "$@"; do [ "$prev" = --segment ] && seg="$a"; prev="$a"; done
            echo "$seg" >"$RUN_SPEC_DIR/segment"
            for f in "/dev/shm/$seg" "/dev/shm/$seg.lock" "/dev/shm/$seg.key"; do : >"$f"; done
            if [ -n "${RUN_SPEC_HOLD:-}" ]; then sleep 300 <"/dev/shm/$seg.lock" & echo $! >"$RUN_SPEC_DIR/holder"; fi
            echo $$ >"$RUN_SPEC_DIR/server"
            echo "listening on 127.0.0.1:1"
            exec sleep 300 ;;
          *ActorClient.dll) kill -9 "$(cat "$RUN_SPEC_DIR/server")"; exit 0 ;;
          *) exit 4 ;;
        esac
        """;

    // A tester's finding: a run.sh server killed with kill -9 left /dev/shm/switchboard-run-PID, .lock and .key for
    // good (the next run.sh names another segment, so nothing took them over), and run.sh said only that the log is kept.
    [Fact]
    public async Task A_killed_servers_own_segment_is_removed_whole_when_the_client_exits()
    {
        var (stderr, segment, left) = await RunKilledServerAsync(hold: false);
        Assert.StartsWith("switchboard-run-", segment);
        Assert.Empty(left);
        Assert.Contains($"its segment /dev/shm/{segment} (and .lock, .key) left behind is removed", stderr);
    }

    // A segment given with -- --segment may be shared with other nodes (the next one takes it over): it is not run.sh's.
    [Fact]
    public async Task A_segment_given_after_a_double_dash_stays_after_its_server_was_killed()
    {
        var mine = ServerNode.NewSegmentName();
        var (stderr, segment, left) = await RunKilledServerAsync(hold: false, "alice", "--", "--segment", mine);
        Assert.Equal(mine, segment);
        Assert.Equal(3, left.Count);
        Assert.DoesNotContain("is removed", stderr);
    }

    // Something still holding run.sh's segment (a node someone started on it) keeps it: its files are not pulled away.
    [Fact]
    public async Task A_killed_servers_own_segment_still_held_by_a_process_stays()
    {
        var (stderr, segment, left) = await RunKilledServerAsync(hold: true);
        Assert.Equal(3, left.Count);
        Assert.Contains($"its segment /dev/shm/{segment} is still open in process ", stderr);
    }

    /// <summary>run.sh with <see cref="KilledServerDotnet"/>: its stderr, the segment its server was given, and which of
    /// the segment's three files are left. Whatever is left is removed, and a holder killed, whatever the outcome.</summary>
    private static async Task<(string Stderr, string Segment, List<string> Left)> RunKilledServerAsync(bool hold, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("sb-run-killed-");
        var segment = "";
        try
        {
            var dotnet = Path.Combine(dir.FullName, "dotnet");
            await File.WriteAllTextAsync(dotnet, KilledServerDotnet.ReplaceLineEndings("\n") + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var (_, _, stderr) = await RepoScript.RunAsync("run.sh", args.Length > 0 ? args : ["alice"],
                [("PATH", dir.FullName + ":" + Environment.GetEnvironmentVariable("PATH")), ("RUN_SPEC_DIR", dir.FullName),
                 ("RUN_SPEC_HOLD", hold ? "1" : null)]);
            segment = (await File.ReadAllTextAsync(Path.Combine(dir.FullName, "segment"))).Trim();
            var left = SegmentFiles(segment).Where(File.Exists).ToList();
            if (stderr.Split('\n').FirstOrDefault(l => l.StartsWith("(the server's log is kept: ", StringComparison.Ordinal)) is { } kept)
                File.Delete(kept["(the server's log is kept: ".Length..].TrimEnd(')'));
            return (stderr, segment, left);
        }
        finally
        {
            var holder = Path.Combine(dir.FullName, "holder");
            if (File.Exists(holder) && int.TryParse(await File.ReadAllTextAsync(holder), out var pid))
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } // already gone
            if (segment.Length > 0) foreach (var f in SegmentFiles(segment)) File.Delete(f);
            dir.Delete(recursive: true);
        }
    }

    private static string[] SegmentFiles(string segment) =>
        [$"/dev/shm/{segment}", $"/dev/shm/{segment}.lock", $"/dev/shm/{segment}.key"];

    private static async Task<(int Code, string Stdout, string Stderr)> RunWithFakeDotnetAsync(params string[] args)
    {
        var bin = Directory.CreateTempSubdirectory("sb-run-dotnet-");
        try
        {
            var dotnet = Path.Combine(bin.FullName, "dotnet");
            await File.WriteAllTextAsync(dotnet, FakeDotnet.ReplaceLineEndings("\n") + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return await RunAsync(bin.FullName + ":" + Environment.GetEnvironmentVariable("PATH"), args);
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(null, args);

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(string? path, string[] args) =>
        RepoScript.RunAsync("run.sh", args, path is null ? null : [("PATH", path)]);
}
