namespace Switchboard.Benchmarks.Load;

// What each run reports; serialized camelCase as the --json file, so a renamed member renames a JSON field.

/// <summary>One row of the load table.</summary>
public sealed record LoadRow(
    int Clients, double Throughput, double BaselineThroughput, double Ratio,
    double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, long Errors,
    double ServerCpuMs, double ServerPeakRssMb,
    double BaselineP50Ms, double BaselineP99Ms, double BaselineCpuMs,
    double? PacedRate, double? PacedP50Ms, double? PacedP99Ms, double? PacedP999Ms, double? PacedMaxMs, long? PacedErrors,
    double? BaselinePacedP50Ms, double? BaselinePacedP99Ms,
    string? FirstError)
{
    // --peer nats: the same load against nats-server and a NATS.Net responder, in the same alternating slices.
    public double? NatsThroughput { get; init; }
    public double? NatsRatio { get; init; }
    public double? NatsP50Ms { get; init; }
    public double? NatsP99Ms { get; init; }
    public long? NatsErrors { get; init; }
    public double? NatsCpuMs { get; init; }
    public double? NatsPacedP50Ms { get; init; }
    public double? NatsPacedP99Ms { get; init; }
}

public sealed record LoadReport(string Kind, double Seconds, int Window, double Rate, string Op, string Args, IReadOnlyList<LoadRow> Results)
{
    /// <summary>Most requests per message from our clients (--batch).</summary>
    public int Batch { get; init; } = 1;
}

/// <summary>One server node of a capacity run: its clients (busy + idle) and resident set (VmRSS; peak: VmHWM), in MiB.</summary>
public sealed record CapacityNode(string Host, int Clients, double RssStartMb, double RssAloneMb, double RssWithIdleMb, double PeakRssMb,
    double KbPerIdleClient, double RegisterCpuMs);

/// <summary>Idle clients registered in one step of a capacity run: their systems' start (load generator side), the
/// registrations' time and rate, and the servers' CPU (all nodes together) per registration.</summary>
public sealed record RegistrationStep(int Clients, int Systems, double StartSeconds, double RegisterSeconds, double PerSecond, double ServerCpuUs);

/// <summary>Busy clients' latency in one phase (paced), ms.</summary>
public sealed record CapacityPhase(double Throughput, double P50Ms, double P99Ms, double MaxMs, long Errors, string? FirstError);

/// <summary>
/// <c>capacity</c>: <see cref="Busy"/> clients measured alone, then with <see cref="Idle"/> idle ones registered in
/// <see cref="IdleSystems"/> client ActorSystems (an association each). Filling a single node's every slot, it also
/// reports what one more registration got (<see cref="OverCapacity"/>).
/// </summary>
public sealed record CapacityReport(string Kind, string Mode, int Idle, int IdleSystems, int Busy, int Associations, double Rate,
    double SystemsStartSeconds, double RegisterSeconds, double RegistrationsPerSecond, IReadOnlyList<RegistrationStep> Registrations, double SettleSeconds,
    CapacityPhase Alone, CapacityPhase WithIdle, double P99Ratio, IReadOnlyList<CapacityNode> Nodes,
    string? OverCapacity, double? OverCapacityMs, double LoadGeneratorRssMb, string LoadAverage);

public sealed record MessagingRow(string Traffic, int Clients, int Window, double SendsPerSecond, double DeliveredPerSecond,
    double P50Ms, double P99Ms, double MaxMs, long Errors, long Dropped, double ServerCpuMs, double ServerPeakRssMb, string? FirstError);

public sealed record MessagingReport(string Kind, double Seconds, int Window, IReadOnlyList<MessagingRow> Results);

/// <summary>One side of a <c>messaging --durable</c> row: acknowledged messages/s (the sender's reply, or the stream's
/// ack), deliveries/s, latency of the acknowledgement, the server's CPU over the slices and its store on disk at the end.</summary>
public sealed record DurableSide(double Throughput, double DeliveredPerSecond, double P50Ms, double P99Ms, double MaxMs, long Errors,
    double ServerCpuMs, double? StoreMb, string? FirstError);

/// <summary>DMs or room messages: kept (SQLite journal, reserved names), kept nowhere (guests; a broadcast for a room), JetStream;
/// with <c>--db</c>, kept by a one-node cluster in PostgreSQL.</summary>
public sealed record DurableRow(string Traffic, int Clients, int Window, DurableSide Durable, DurableSide Memory, DurableSide? JetStream,
    DurableSide? Postgres = null);

public sealed record DurableReport(string Kind, double Seconds, double Warmup, int Window, string Room, IReadOnlyList<DurableRow> Results);

/// <summary>CPU per thread name of one process over a load row's measured slices (<c>--profile</c>); not in the JSON.</summary>
public sealed record ThreadProfile(int Clients, string Process, IReadOnlyList<(string Name, int Threads, double Ms)> Threads, double Replies);
