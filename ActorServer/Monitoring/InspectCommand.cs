using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// <c>ActorServer inspect [--segment NAME] [--json] [--watch]</c>: a separate process that opens the segment read-only
/// (registering no node) and prints the nodes, the online clients and the totals. With <c>--json</c>, one JSON object
/// on stdout (one per refresh with <c>--watch</c>); with <c>--watch</c>, a live table refreshed every 500 ms until cancelled.
/// </summary>
public static class InspectCommand
{
    static readonly TimeSpan MutexTimeout = TimeSpan.FromSeconds(5);
    static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(500);
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <returns>0 when the segment was read; 1 when it does not exist or is invalid (the reason goes to stderr).</returns>
    public static int Run(string segment, bool json, bool watch, CancellationToken ct)
    {
        try
        {
            if (!watch)
            {
                var snapshot = SegmentReader.Read(segment, MutexTimeout);
                if (json) Console.Out.WriteLine(ToJson(snapshot));
                else AnsiConsole.Write(Render(segment, snapshot));
                return 0;
            }
            // --watch: fail fast if there is nothing to watch, then keep going even if the segment comes and goes
            using (SegmentReader.Open(segment, MutexTimeout)) { }
            if (json) WatchJson(segment, ct);
            else if (Console.IsOutputRedirected) WatchPlain(segment, ct);
            else WatchLive(segment, ct);
            return 0;
        }
        catch (Exception e) when (e is SegmentException or TimeoutException)
        {
            Error(segment, e.Message, json);
            return 1;
        }
    }

    /// <summary>A failure: one line on stderr, or with <c>--json</c> one JSON object on stdout (scripts parse stdout).</summary>
    static void Error(string segment, string message, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = message, segment }, Json));
            Console.Out.Flush();
        }
        else Console.Error.WriteLine($"inspect: {message}");
    }

    /// <summary>The snapshot as the one JSON object of <c>inspect --json</c> (camelCase field names).</summary>
    public static string ToJson(StateSnapshot s) => JsonSerializer.Serialize(new
    {
        nodes = s.Nodes.Select(n => new { n.Address, n.Pid, n.Alive, n.Started, n.Heartbeat }),
        clients = s.Clients.Select(c => new { c.Name, c.Node, c.Requests, c.Since }),
        s.ServerSeq,
        s.TotalRequests,
        s.TotalRegistrations,
    }, Json);

    static void WatchJson(string segment, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var (snapshot, error) = TryRead(segment);
            if (snapshot is not null) Console.Out.WriteLine(ToJson(snapshot));
            else Error(segment, error ?? "unreadable", json: true);
            Console.Out.Flush();
            if (OutputWatch.WaitOrEnd(RefreshEvery, ct)) return;
        }
    }

    // Output to a pipe or file: each refresh printed in full (a live display needs a terminal).
    static void WatchPlain(string segment, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var (snapshot, error) = TryRead(segment);
            if (snapshot is not null) AnsiConsole.Write(Render(segment, snapshot));
            else Console.Error.WriteLine($"inspect: {error} (retrying)");
            Console.Out.Flush();
            if (OutputWatch.WaitOrEnd(RefreshEvery, ct)) return;
        }
    }

    static void WatchLive(string segment, CancellationToken ct)
    {
        AnsiConsole.Live(new Text("reading segment ..."))
            .AutoClear(false)
            .Start(ctx =>
            {
                while (!ct.IsCancellationRequested)
                {
                    var (snapshot, error) = TryRead(segment);
                    ctx.UpdateTarget(snapshot is not null
                        ? Render(segment, snapshot)
                        : new Markup($"[yellow]segment '{Markup.Escape(segment)}': {Markup.Escape(error ?? "")}[/] (retrying)"));
                    ctx.Refresh();
                    if (OutputWatch.WaitOrEnd(RefreshEvery, ct)) return;
                }
            });
    }

    static (StateSnapshot? Snapshot, string? Error) TryRead(string segment)
    {
        try { return (SegmentReader.Read(segment, MutexTimeout), null); }
        catch (Exception e) when (e is SegmentException or TimeoutException) { return (null, e.Message); }
    }

    /// <summary>Nodes, clients and totals as Spectre tables.</summary>
    public static IRenderable Render(string segment, StateSnapshot s)
    {
        var nodes = new Table().Title($"nodes of segment [bold]{Markup.Escape(segment)}[/]")
            .AddColumns("address", "pid", "alive", "started", "heartbeat");
        foreach (var n in s.Nodes)
            nodes.AddRow(Markup.Escape(n.Address), n.Pid.ToString(), n.Alive ? "[green]yes[/]" : "[red]no[/]",
                Time(n.Started), Time(n.Heartbeat));

        var clients = new Table().Title($"online clients ({s.Clients.Count})")
            .AddColumns("name", "node", "requests", "since");
        foreach (var c in s.Clients)
            clients.AddRow(Markup.Escape(c.Name), Markup.Escape(c.Node), c.Requests.ToString(), Time(c.Since));

        var totals = new Table().Title("totals").AddColumns("serverSeq", "requests", "registrations")
            .AddRow(s.ServerSeq.ToString(), s.TotalRequests.ToString(), s.TotalRegistrations.ToString());

        return new Rows(nodes, clients, totals);
    }

    static string Time(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");
}
