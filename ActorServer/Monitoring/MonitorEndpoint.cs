using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// <c>--monitor HOST:PORT</c>: a read-only HTTP endpoint (Kestrel) with <c>/healthz</c>, <c>/metrics</c> (Prometheus
/// text, from OpenTelemetry), <c>/status</c> and <c>/clients</c>. Owned by the host, which starts it after the actor
/// system and disposes it before; its handlers run on the thread pool and reach the registry only through
/// <see cref="INodeView"/> (one shared snapshot per interval), never on the request path.
/// </summary>
public sealed class MonitorEndpoint : IAsyncDisposable
{
    public const int MaxPage = 4096;
    /// <summary>Connections held open at once; past it the oldest of the host holding the most is closed for a newcomer
    /// (<see cref="ConnectionSlots"/>).</summary>
    public const int MaxConnections = 64;

    /// <summary>Connections one host holds at once; past it its own oldest is closed for its newcomer. A quarter of
    /// <see cref="MaxConnections"/>: scrapers and probes hold one or two each.</summary>
    public const int MaxConnectionsPerHost = 16;
    const int DefaultPage = 100;
    static readonly string[] Endpoints = ["/healthz", "/metrics", "/status", "/clients?limit=&offset="];
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    readonly WebApplication _app;

    MonitorEndpoint(WebApplication app) => _app = app;

    /// <param name="Store">What <c>/status</c> shows of the durable store (<see cref="DataStore.Status"/>); null: none (cluster mode).</param>
    /// <param name="Connections">The client port's live connections and their caps; null where none are counted.</param>
    /// <param name="HostKey">What one host is (<see cref="PeerAddresses.HostKey(string)"/>: the node's <c>switchboard.hosts</c>,
    /// loopback and the machine's own addresses one), for the bound per host.</param>
    public sealed record Context(string Node, string Version, DateTimeOffset Started, INodeView View, SwitchboardMetrics Metrics, ILoggerFactory Logs,
        object? Store = null, InboundConnections? Connections = null, Func<string, string>? HostKey = null);

    /// <summary>Binds and starts; throws <see cref="IOException"/> when the address cannot be bound (in use, not local).</summary>
    public static async Task<MonitorEndpoint> StartAsync(MonitorAddress at, Context c, CancellationToken ct)
    {
        // Rooted where the program is, not the working directory, which the builder's appsettings.json reload would watch
        // recursively (the node's data directory may be under it: a wake-up per journal write).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "ActorServer.Monitor",
            ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(c.Logs); // the node's log lines and format; the host keeps it
        var slots = new ConnectionSlots(MaxConnections, MaxConnectionsPerHost, c.HostKey);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(at.Ip, at.Port, l => l.Use(slots.Admit));
            k.AddServerHeader = false;
            // Read-only and small: no bodies, short headers, few connections. The bound on connections is the
            // slots' (which evict a slow peer for a newcomer); Kestrel's own limit would refuse the newcomer instead.
            k.Limits.MaxRequestBodySize = 0;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxConcurrentConnections = null;
            // A peer that is slow to send its header, or idles between requests, gives its connection back soon.
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(15);
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("switchboard", serviceVersion: c.Version, serviceInstanceId: c.Node))
            .WithMetrics(m => m
                .AddMeter(SwitchboardMetrics.MeterName, RuntimeMeter)
                .AddView(i => i.Meter.Name == RuntimeMeter ? new MetricStreamConfiguration { Name = RuntimeName(i.Name) } : null)
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        app.Use(slots.Serve);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", (RequestDelegate)(h => Healthz(h, c)));
        app.MapGet("/status", (RequestDelegate)(h => Status(h, c)));
        app.MapGet("/clients", (RequestDelegate)(h => Clients(h, c)));
        app.MapGet("/", (RequestDelegate)(h => Write(h, 200, new { endpoints = Endpoints })));
        // A mistyped path says what there is, not an empty 404 (an operator's curl /stats).
        // GET only: another method on a real path stays 405.
        app.MapFallback((RequestDelegate)(h => Write(h, 404, new { error = $"no endpoint {h.Request.Path}", endpoints = Endpoints })))
            .WithMetadata(new Microsoft.AspNetCore.Routing.HttpMethodMetadata(["GET", "HEAD"]));
        try
        {
            await app.StartAsync(ct);
            c.Metrics.Listened();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new MonitorEndpoint(app);
    }

    const string RuntimeMeter = "System.Runtime";

    /// <summary>.NET's runtime instruments under the node's prefix (<c>dotnet.gc.collections</c> →
    /// <c>switchboard_dotnet_gc_collections_total</c>); a "count" that is not a counter would break Prometheus' naming
    /// rules (<c>_count</c> belongs to histograms), so it is named for what it counts.</summary>
    internal static string RuntimeName(string name) => "switchboard." + name switch
    {
        "dotnet.assembly.count" => "dotnet.assemblies.loaded",
        "dotnet.process.cpu.count" => "dotnet.process.cpus",
        "dotnet.timer.count" => "dotnet.timers",
        _ when name.EndsWith(".count", StringComparison.Ordinal) => name[..^".count".Length],
        _ => name,
    };

    // A failing data store is "degraded", still 200: the node serves clients (guests, requests, chat) and restarting or
    // draining it would not bring the store back (in cluster mode every node shares it, so 503 would drain them all).
    // The same mapping as ASP.NET Core's health checks (Degraded answers 200).
    static (int Code, string Status, string? Reason) Health(RegistryView view, Context c) =>
        view.NotReady is { } notReady ? (503, "unavailable", notReady)
        : c.Metrics.DataStoreTrouble is { } trouble ? (200, "degraded", trouble)
        : (200, "ok", null);

    static async Task Healthz(HttpContext h, Context c)
    {
        var (code, status, reason) = Health(await c.View.ReadAsync(h.RequestAborted), c);
        await (reason is null ? Write(h, code, new { status }) : Write(h, code, new { status, reason }));
    }

    static async Task Status(HttpContext h, Context c)
    {
        var v = await c.View.ReadAsync(h.RequestAborted);
        var (_, status, reason) = Health(v, c);
        await Write(h, 200, new
        {
            node = c.Node,
            version = c.Version,
            uptimeSeconds = Math.Round((DateTimeOffset.UtcNow - c.Started).TotalSeconds, 1),
            mode = v.Mode,
            store = c.Store ?? new { kind = "none" },
            status,
            reason,
            nodes = v.Nodes,
            clients = new { online = v.OnlineClients, onThisNode = c.Metrics.Sessions.Count },
            // How near the client port is to its caps (switchboard.max-connections, max-connections-per-host).
            connections = c.Connections is { } k ? new { open = k.Open, max = k.Total, maxPerHost = k.PerHost } : null,
            totals = new { serverSeq = v.ServerSeq, requests = v.TotalRequests, registrations = v.TotalRegistrations },
        });
    }

    static Task Clients(HttpContext h, Context c)
    {
        if (!TryInt(h, "offset", 0, int.MaxValue, 0, out var offset, out var bad) || !TryInt(h, "limit", 1, MaxPage, DefaultPage, out var limit, out bad))
            return Write(h, 400, new { error = bad });
        var (page, total) = c.Metrics.Sessions.Page(offset, limit);
        return Write(h, 200, new
        {
            node = c.Node,
            scope = "node", // this node's sessions, in either mode (cluster-wide names: GET /status, or `who`)
            total,
            offset,
            limit,
            clients = page.Select(s => new { name = s.Name, node = s.Node, since = s.Since.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture), requests = s.Requests, unackedEvents = s.Unacked, rateLimited = s.RateLimited }),
        });
    }

    static bool TryInt(HttpContext h, string key, int min, int max, int fallback, out int value, out string? problem)
    {
        problem = null;
        value = fallback;
        if (!h.Request.Query.TryGetValue(key, out var raw) || raw.Count == 0) return true;
        if (int.TryParse(raw[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value) && value >= min && value <= max) return true;
        problem = $"{key} must be a whole number {min}..{max}";
        return false;
    }

    static Task Write(HttpContext h, int code, object body)
    {
        h.Response.StatusCode = code;
        h.Response.Headers.CacheControl = "no-store";
        return h.Response.WriteAsJsonAsync(body, Json);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
