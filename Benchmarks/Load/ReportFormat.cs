using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Switchboard.Benchmarks.Load;

/// <summary>The reports as the markdown tables printed on stdout (pasted into the README) and as the --json file.</summary>
public static class ReportFormat
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>Serialized by its runtime type, so each report keeps its own fields.</summary>
    public static string Json(object report) => JsonSerializer.Serialize(report, JsonOptions);

    /// <summary>Latency in ms to the µs: finer is noise, and the JSON stays readable.</summary>
    public static double RoundMs(double ms) => Math.Round(ms, 3);

    public static string Markdown(LoadReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Request/reply load: `{r.Op} {r.Args}`, window {r.Window} per client (ours: up to {r.Batch} of them per message), {r.Seconds:0.#} s per run{(r.Rate > 0 ? $", paced at {r.Rate:0} replies/s" : ", unpaced")}; latency in ms.");
        sb.AppendLine();
        Table(sb, "| clients | replies/s | baseline/s | ratio | p50 | p90 | p99 | p99.9 | max | errors | server CPU ms | server peak RSS MB | baseline p50 | baseline p99 |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            r.Results, x => $"| {x.Clients} | {x.Throughput:0} | {x.BaselineThroughput:0} | {x.Ratio:0.00} | {x.P50Ms:0.###} | {x.P90Ms:0.###} | {x.P99Ms:0.###} | {x.P999Ms:0.###} | {x.MaxMs:0.###} | {x.Errors} | {x.ServerCpuMs:0} | {x.ServerPeakRssMb:0.#} | {x.BaselineP50Ms:0.###} | {x.BaselineP99Ms:0.###} |");
        Section(sb, "Side by side with NATS (nats-server + a NATS.Net responder process; same clients, window and slices):",
            "| clients | ours/s | raw Akka.Remote/s | NATS/s | ours ÷ NATS | ours p50 / p99 | NATS p50 / p99 | paced: ours p99 | NATS p99 | ours ÷ NATS p99 | CPU ms: ours / NATS (server + responder) | NATS errors |",
            "|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---|---:|",
            r.Results.Where(x => x.NatsThroughput is not null),
            x => $"| {x.Clients} | {x.Throughput:0} | {x.BaselineThroughput:0} | {x.NatsThroughput:0} | {x.NatsRatio:0.00} | {x.P50Ms:0.###} / {x.P99Ms:0.###} | {x.NatsP50Ms:0.###} / {x.NatsP99Ms:0.###} | {x.PacedP99Ms:0.###} | {x.NatsPacedP99Ms:0.###} | {(x.NatsPacedP99Ms is > 0 ? x.PacedP99Ms / x.NatsPacedP99Ms : null):0.00} | {x.ServerCpuMs:0} / {x.NatsCpuMs:0} | {x.NatsErrors} |");
        Section(sb, "Paced at half of each peak:",
            "| clients | rate/s | p50 | p99 | p99.9 | max | errors | baseline p50 | baseline p99 |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            r.Results.Where(x => x.PacedRate is not null),
            x => $"| {x.Clients} | {x.PacedRate:0} | {x.PacedP50Ms:0.###} | {x.PacedP99Ms:0.###} | {x.PacedP999Ms:0.###} | {x.PacedMaxMs:0.###} | {x.PacedErrors} | {x.BaselinePacedP50Ms:0.###} | {x.BaselinePacedP99Ms:0.###} |");
        foreach (var x in r.Results.Where(x => x.FirstError is not null))
            sb.AppendLine($"\n{x.Clients} clients, first error: {x.FirstError}");
        return sb.ToString();
    }

    /// <summary>The busiest thread names of one process (at most 12), for <c>load --profile</c> (and <c>capacity --profile</c>:
    /// <paramref name="unit"/> "registration").</summary>
    public static string Profile(ThreadProfile p, double seconds, string unit = "reply")
    {
        var sb = new StringBuilder();
        sb.AppendLine($"\n{p.Process} threads, {p.Clients} client(s): CPU ms over the {seconds:0.#} s run (µs per {unit})");
        foreach (var (name, count, ms) in p.Threads.Take(12))
            sb.AppendLine(Inv($"  {name,-16} x{count,-3} {ms,8:0} ms  {(p.Replies > 0 ? ms * 1000 / p.Replies : 0),6:0.00} µs"));
        return sb.ToString();
    }

    /// <summary><paramref name="idleQuiet"/>: whether the idle clients turned presence notices off (not in the report).</summary>
    public static string Markdown(CapacityReport r, bool idleQuiet)
    {
        var sb = new StringBuilder();
        var where = r.Nodes.Count == 1 ? "one single-host node" : $"{r.Nodes.Count} cluster-mode nodes ({string.Join(", ", r.Nodes.Select(n => n.Host))})";
        sb.AppendLine(Inv($"Capacity, {where}: {r.Busy + r.Idle:N0} clients = {r.Busy} busy (an ActorSystem each) + {r.Idle:N0} idle (in {r.IdleSystems} client ActorSystems, so {r.Associations} associations in all){(idleQuiet ? ", idle clients turn presence notices off" : "")}; busy load paced at {r.Rate:0}/s; load average {r.LoadAverage}."));
        sb.AppendLine();
        sb.AppendLine("| busy clients' run | replies/s | p50 ms | p99 ms | max ms | errors |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        sb.AppendLine(Inv($"| {r.Busy} busy alone | {r.Alone.Throughput:0} | {r.Alone.P50Ms:0.###} | {r.Alone.P99Ms:0.###} | {r.Alone.MaxMs:0.###} | {r.Alone.Errors} |"));
        sb.AppendLine(Inv($"| {r.Busy} busy + {r.Idle:N0} idle | {r.WithIdle.Throughput:0} | {r.WithIdle.P50Ms:0.###} | {r.WithIdle.P99Ms:0.###} | {r.WithIdle.MaxMs:0.###} | {r.WithIdle.Errors} |"));
        sb.AppendLine();
        sb.AppendLine("| node | clients | RSS MB at start | busy alone | with idle | peak (VmHWM) | KB per idle client | server CPU ms to register |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var n in r.Nodes)
            sb.AppendLine(Inv($"| {n.Host} | {n.Clients:N0} | {n.RssStartMb:0.#} | {n.RssAloneMb:0.#} | {n.RssWithIdleMb:0.#} | {n.PeakRssMb:0.#} | {n.KbPerIdleClient:0.#} | {n.RegisterCpuMs:0} |"));
        sb.AppendLine();
        sb.AppendLine(Inv($"Busy p99 with idle / without: {r.P99Ratio:0.00}x. The {r.IdleSystems} idle client systems took {r.SystemsStartSeconds:0.##} s to start (load generator side), then their {r.Idle:N0} clients registered in {r.RegisterSeconds:0.##} s ({r.RegistrationsPerSecond:0}/s; each node's systems one after the other, all of a system's clients at once); the servers were busy with the joins' presence notices for {r.SettleSeconds:0.#} s more. Load generator RSS {r.LoadGeneratorRssMb:0} MB."));
        sb.AppendLine();
        sb.AppendLine("| registering | clients | systems | systems' start s | registration s | registrations/s | server CPU µs each |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < r.Registrations.Count; i++)
        {
            var x = r.Registrations[i];
            sb.AppendLine(Inv($"| {(i == 0 ? "first half (fresh servers)" : "second half")} | {x.Clients:N0} | {x.Systems} | {x.StartSeconds:0.##} | {x.RegisterSeconds:0.##} | {x.PerSecond:0} | {x.ServerCpuUs:0} |"));
        }
        if (r.OverCapacity is not null)
            sb.AppendLine(Inv($"\nRegistration {r.Busy + r.Idle + 1:N0} (every slot taken), from a fresh client system: {r.OverCapacity} ({r.OverCapacityMs:0} ms)."));
        foreach (var (run, e) in new[] { ("alone", r.Alone.FirstError), ("with idle", r.WithIdle.FirstError) })
            if (e is not null) sb.AppendLine($"\nBusy clients {run}: first error: {e}");
        return sb.ToString();
    }

    public static string Markdown(MessagingReport r, int clients)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Messaging: {clients} clients, {r.Seconds:0.#} s; sends/s = replies to the sender, delivered/s = Incoming events received (and acknowledged every 32).");
        sb.AppendLine();
        Table(sb, "| traffic | clients | window | sends/s | delivered/s | p50 ms | p99 ms | max ms | errors | dropped | server CPU ms | server peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            r.Results, x => $"| {x.Traffic} | {x.Clients} | {x.Window} | {x.SendsPerSecond:0} | {x.DeliveredPerSecond:0} | {x.P50Ms:0.###} | {x.P99Ms:0.###} | {x.MaxMs:0.###} | {x.Errors} | {x.Dropped} | {x.ServerCpuMs:0} | {x.ServerPeakRssMb:0.#} |");
        foreach (var x in r.Results.Where(x => x.FirstError is not null))
            sb.AppendLine($"\n{x.Traffic}: first error: {x.FirstError}");
        return sb.ToString();
    }

    public static string Markdown(DurableReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Durable messaging: {r.Seconds:0.#} s per side in alternating slices (+{r.Warmup:0.#} s warm-up each); acknowledged msgs/s = the sender heard \"delivered\"/\"sent\" (200) or JetStream's ack; latency of that acknowledgement in ms.");
        sb.AppendLine($"SQLite: reserved names on a fresh store, every DM and every message to #{r.Room} journaled first. In memory: guests, nothing kept (DMs; for a room, a broadcast: a room message is always kept). JetStream: a file-backed stream, publish awaiting its ack; recipients subscribed.");
        sb.AppendLine();
        Table(sb, "| traffic | clients | window | SQLite msgs/s | p50 | p99 | in memory msgs/s | p50 | p99 | JetStream msgs/s | p50 | p99 | SQLite ÷ memory | SQLite ÷ JetStream |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            r.Results, x => $"| {x.Traffic} | {x.Clients} | {x.Window} | {x.Durable.Throughput:0} | {x.Durable.P50Ms:0.###} | {x.Durable.P99Ms:0.###} | {x.Memory.Throughput:0} | {x.Memory.P50Ms:0.###} | {x.Memory.P99Ms:0.###} | {x.JetStream?.Throughput:0} | {x.JetStream?.P50Ms:0.###} | {x.JetStream?.P99Ms:0.###} | {Ratio(x.Durable, x.Memory):0.00} | {Ratio(x.Durable, x.JetStream):0.00} |");
        Section(sb, "Deliveries, errors, CPU and store (SQLite / in memory / JetStream):",
            "| traffic | clients | delivered/s | errors | max ms | server CPU ms | store MB at the end |",
            "|---|---:|---|---|---|---|---|",
            r.Results, x => $"| {x.Traffic} | {x.Clients} | {x.Durable.DeliveredPerSecond:0} / {x.Memory.DeliveredPerSecond:0} / {x.JetStream?.DeliveredPerSecond:0} | {x.Durable.Errors} / {x.Memory.Errors} / {x.JetStream?.Errors} | {x.Durable.MaxMs:0.#} / {x.Memory.MaxMs:0.#} / {x.JetStream?.MaxMs:0.#} | {x.Durable.ServerCpuMs:0} / {x.Memory.ServerCpuMs:0} / {x.JetStream?.ServerCpuMs:0} | {x.Durable.StoreMb:0.##} / - / {x.JetStream?.StoreMb:0.##} |");
        if (r.Results.Any(x => x.Postgres is not null))
            Section(sb, "PostgreSQL (--db: a one-node cluster, reserved names, the same load in the same slices):",
                "| traffic | clients | PostgreSQL msgs/s | p50 | p99 | errors | server CPU ms | PostgreSQL ÷ SQLite | PostgreSQL ÷ JetStream |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
                r.Results.Where(x => x.Postgres is not null), x => $"| {x.Traffic} | {x.Clients} | {x.Postgres!.Throughput:0} | {x.Postgres.P50Ms:0.###} | {x.Postgres.P99Ms:0.###} | {x.Postgres.Errors} | {x.Postgres.ServerCpuMs:0} | {Ratio(x.Postgres, x.Durable):0.00} | {Ratio(x.Postgres, x.JetStream):0.00} |");
        foreach (var x in r.Results)
            foreach (var (side, e) in new[] { ("SQLite", x.Durable.FirstError), ("in memory", x.Memory.FirstError), ("JetStream", x.JetStream?.FirstError), ("PostgreSQL", x.Postgres?.FirstError) })
                if (e is not null) sb.AppendLine($"\n{x.Traffic}, {x.Clients} clients, {side}: first error: {e}");
        return sb.ToString();
    }

    private static double? Ratio(DurableSide a, DurableSide? b) => b is { Throughput: > 0 } ? a.Throughput / b.Throughput : null;

    // A markdown table: its header and alignment rows, then a row per item, numbers formatted invariantly.
    private static void Table<T>(StringBuilder sb, string header, string alignment, IEnumerable<T> items, Func<T, FormattableString> row)
    {
        sb.AppendLine(header);
        sb.AppendLine(alignment);
        foreach (var x in items) sb.AppendLine(Inv(row(x)));
    }

    // A titled table after a blank line, printed only when it has rows.
    private static void Section<T>(StringBuilder sb, string title, string header, string alignment, IEnumerable<T> items, Func<T, FormattableString> row)
    {
        var rows = items.ToList();
        if (rows.Count == 0) return;
        sb.AppendLine();
        sb.AppendLine(title);
        sb.AppendLine();
        Table(sb, header, alignment, rows, row);
    }

    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
