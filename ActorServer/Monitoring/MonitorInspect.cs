using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// <c>ActorServer inspect --monitor HOST:PORT</c> (or <c>--url URL</c>): a node's view through its monitoring endpoint,
/// for cluster mode, where there is no segment to open. Reads <c>GET /status</c> and prints the members, the data store and the totals
/// (tables), or with <c>--json</c> the /status object as one line; <c>--watch</c> repeats every 500 ms.
/// </summary>
public static class MonitorInspect
{
    static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(500);
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The endpoint's base address from <c>--monitor HOST:PORT</c> or <c>--url</c>; null and a reason otherwise.</summary>
    public static Uri? BaseUri(string? monitor, string? url, out string? problem)
    {
        problem = null;
        if (monitor is not null && url is not null)
        {
            problem = "give --monitor HOST:PORT or --url URL, not both";
            return null;
        }
        if (monitor is not null)
            return MonitorAddress.Parse(monitor, out problem) is { } at ? new Uri($"http://{at}/") : null;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            // The endpoint's base; a URL of its /status itself (what a browser shows) names the same one.
            var path = uri.AbsolutePath.TrimEnd('/');
            if (path.EndsWith("/status", StringComparison.Ordinal)) path = path[..^"/status".Length];
            return new Uri(uri, path + "/");
        }
        problem = $"--url wants an http(s) address such as http://127.0.0.1:8222/, not '{url}'";
        return null;
    }

    /// <returns>0 when the node's /status was read; 1 when it could not be (the reason on stderr, or as JSON with --json).</returns>
    public static int Run(Uri at, bool json, bool watch, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = at, Timeout = TimeSpan.FromSeconds(10) };
        while (true)
        {
            var (status, error) = Read(http, ct);
            if (status is { } s)
            {
                if (json) Console.Out.WriteLine(JsonSerializer.Serialize(s, Json));
                else AnsiConsole.Write(Render(s));
            }
            else if (json) Console.Out.WriteLine(JsonSerializer.Serialize(new { error, url = at.ToString() }, Json));
            else Console.Error.WriteLine($"inspect: {error}{(watch ? " (retrying)" : "")}");
            Console.Out.Flush();
            if (!watch) return status is null ? 1 : 0;
            if (OutputWatch.WaitOrEnd(RefreshEvery, ct)) return 0;
        }
    }

    static (JsonElement? Status, string? Error) Read(HttpClient http, CancellationToken ct)
    {
        try
        {
            using var answer = http.GetAsync("status", ct).GetAwaiter().GetResult();
            var body = answer.Content.ReadAsStringAsync(ct).GetAwaiter().GetResult();
            if (!answer.IsSuccessStatusCode) return (null, $"{http.BaseAddress}status answered {(int)answer.StatusCode}");
            var root = JsonDocument.Parse(body).RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("nodes", out _)
                ? (root, null)
                : (null, $"{http.BaseAddress}status is not a Switchboard monitoring endpoint");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return (null, $"cannot read {http.BaseAddress}status: {e.GetBaseException().Message}");
        }
    }

    /// <summary>The node's header line, its members, its data store and the totals as Spectre tables.</summary>
    public static IRenderable Render(JsonElement s)
    {
        var status = Text(s, "status");
        var header = new Markup($"node [bold]{Markup.Escape(Text(s, "node"))}[/] · mode {Markup.Escape(Text(s, "mode"))} · version {Markup.Escape(Text(s, "version"))} · " +
            status switch
            {
                "ok" => "[green]ok[/]",
                // Serving, its data store failing: not "unavailable", which a degraded node was shown as.
                "degraded" => $"[yellow]degraded[/]: {Markup.Escape(Text(s, "reason"))}",
                _ => $"[red]unavailable[/]: {Markup.Escape(Text(s, "reason"))}",
            });
        var nodes = new Table().Title("members").AddColumns("address", "status", "roles", "reachable", "pid");
        foreach (var n in s.GetProperty("nodes").EnumerateArray())
            nodes.AddRow(Markup.Escape(Text(n, "address")), Markup.Escape(Text(n, "state")),
                Markup.Escape(n.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array ? string.Join(",", r.EnumerateArray().Select(x => x.GetString())) : "-"),
                n.TryGetProperty("reachable", out var re) && re.ValueKind is JsonValueKind.True or JsonValueKind.False ? (re.GetBoolean() ? "[green]yes[/]" : "[red]no[/]") : "-",
                Text(n, "pid"));
        var clients = s.GetProperty("clients");
        var totals = s.GetProperty("totals");
        var table = new Table().Title("totals").AddColumns("online", "on this node", "serverSeq", "requests", "registrations")
            .AddRow(Text(clients, "online"), Text(clients, "onThisNode"), Text(totals, "serverSeq"), Text(totals, "requests"), Text(totals, "registrations"));
        return s.TryGetProperty("store", out var store) && store.ValueKind == JsonValueKind.Object
            ? new Rows(header, nodes, Store(store, status), table)
            : new Rows(header, nodes, table);
    }

    /// <summary>The data store as /status says it: where it is, its size on disk and the space left (SQLite), and its state
    /// (a degraded node's store is failing; the header says why).</summary>
    static Table Store(JsonElement store, string status)
    {
        var kind = Text(store, "kind");
        var where = kind switch
        {
            "sqlite" => Text(store, "file"),
            "postgresql" => $"{Text(store, "user")}@{Text(store, "host")}:{Text(store, "port")}/{Text(store, "database")}",
            _ => "-",
        };
        var state = kind == "none" ? "-" : status == "degraded" ? "[yellow]failing[/]" : "[green]ok[/]";
        return new Table().Title("data store").AddColumns("kind", "where", "synchronous", "bytes", "free bytes", "state")
            .AddRow(Markup.Escape(kind), Markup.Escape(where), Markup.Escape(Text(store, "synchronous")), Bytes(store, "bytes"), Bytes(store, "freeBytes"), state);
    }

    static string Bytes(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "-";

    static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Null => "-",
            _ => v.GetRawText(),
        } : "-";
}
