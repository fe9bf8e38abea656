using System.Text.Json;

namespace Switchboard.Tests.Support;

/// <summary>A real ActorServer on 127.0.0.1 with a free port and its own segment; stopped and cleaned on dispose.</summary>
public sealed class ServerNode(ChildProcess process, string segment, int port) : IAsyncDisposable
{
    private readonly ChildProcess _process = process;

    public string Segment => segment;
    public int Port => port;
    public string Address => $"127.0.0.1:{Port}";
    public ChildProcess Process => _process;

    public static async Task<ServerNode> StartAsync(string? segment = null, int port = 0, params string[] extra)
    {
        segment ??= NewSegmentName();
        // A store of the segment's own unless the spec names one: never the user's default directory, and no room
        // history shared between specs (nodes of one segment share it, as they would on a host).
        string[] data = extra.Contains("--data") ? [] : ["--data", SpecData.For(segment)];
        var process = new ChildProcess(Binaries.Server, ["--port", port.ToString(), "--segment", segment, .. data, .. extra], redirectInput: false);
        try
        {
            // A .NET process's start with Akka, the segment and the store: seconds on a free box, far more at load ~90.
            var line = await process.WaitForLineAsync(l => l.Contains("listening on akka.") && l.Contains("://switchboard@"), TimeSpan.FromSeconds(60));
            var actual = int.Parse(line[(line.LastIndexOf(':') + 1)..]);
            return new ServerNode(process, segment, actual);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    // SWITCHBOARD_SPEC_SEGMENT_PREFIX: runs sharing one box tell their segments apart (and clean up only their own).
    public static string NewSegmentName() =>
        (Environment.GetEnvironmentVariable("SWITCHBOARD_SPEC_SEGMENT_PREFIX") is { Length: > 0 } prefix ? prefix : "sbtest-")
        + Guid.NewGuid().ToString("N")[..12];

    /// <summary>SIGTERM, then everything the server printed after "listening on" (the summary).</summary>
    public async Task<string> StopAsync()
    {
        _process.Signal(Posix.SIGTERM);
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return _process.StdOut;
    }

    public Task<ClientSession> ConnectAsync(string name, params string[] extra) => ClientSession.StartAsync(name, Address, extra);

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        SegmentFiles.Remove(Segment);
    }
}

/// <summary>The data directories of spec servers that name none: one per segment under one folder of this test run,
/// removed when the run ends.</summary>
public static class SpecData
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory($"sbdata-{Environment.ProcessId}-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    });

    public static string For(string segment) => Path.Combine(Root.Value, segment);
}

/// <summary>A real ActorClient in scripted JSON mode.</summary>
public sealed class ClientSession : IAsyncDisposable
{
    private ClientSession(ChildProcess process, JsonElement registration)
    {
        Process = process;
        Registration = registration;
    }

    public ChildProcess Process { get; }
    public JsonElement Registration { get; }

    public static async Task<ClientSession> StartAsync(string name, string server, params string[] extra)
    {
        var process = new ChildProcess(Binaries.Client, [name, "--server", server, "--json", .. extra]);
        try
        {
            // The client's start, then its own register-timeout (15 s unless a spec's --config says more): at load ~90 the
            // two together passed 30 s in a loaded run.
            var first = JsonDocument.Parse(await process.ReadLineAsync(TimeSpan.FromSeconds(120))).RootElement;
            return new ClientSession(process, first);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one command and returns its one JSON reply line (skipping event lines).</summary>
    public async Task<JsonElement> SendAsync(string command, TimeSpan? timeout = null)
    {
        await Process.WriteLineAsync(command);
        var line = await Process.WaitForLineAsync(l => !l.StartsWith("{\"event\""), timeout ?? TimeSpan.FromSeconds(20));
        return JsonDocument.Parse(line).RootElement;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

public static class SegmentFiles
{
    public static void Remove(string segment)
    {
        // The segment, its lock file and its node key: a killed node leaves all three.
        foreach (var suffix in new[] { "", ".lock", ".key" })
            try { File.Delete(Path.Combine("/dev/shm", segment + suffix)); } catch (IOException) { }
    }
}
