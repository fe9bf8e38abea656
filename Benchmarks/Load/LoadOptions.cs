namespace Switchboard.Benchmarks.Load;

/// <summary>Options shared by <c>load</c>, <c>capacity</c> and <c>messaging</c>; the defaults are the documented runs.</summary>
public sealed record LoadOptions
{
    public int[] Clients { get; init; } = [1, 10, 25];
    public double Seconds { get; init; } = 10;
    public double Warmup { get; init; } = 3;
    public int Window { get; init; } = 16;
    /// <summary>Most requests a client of ours sends in one message (what it has at hand; 1: one message each).</summary>
    public int Batch { get; init; } = 8;
    public double Rate { get; init; }
    public bool Half { get; init; }
    public bool Baseline { get; init; } = true;
    public string? Server { get; init; }
    public string? Json { get; init; }
    public string Op { get; init; } = "add";
    public string[] Args { get; init; } = ["12345", "67890"];
    public long MaxRequests { get; init; } = 10_000_000;
    public bool Capacity { get; init; }
    /// <summary>Idle clients of <c>capacity</c>; null: the rest of what the run fills (4,096 on one node, 10,000 with --cluster).</summary>
    public int? Idle { get; init; }
    public int IdleSystems { get; init; } = 100;
    public int Busy { get; init; } = 10;
    public bool KeepRateLimit { get; init; }
    public bool Profile { get; init; }
    public bool IdleQuiet { get; init; }
    /// <summary><c>capacity --cluster</c>: three cluster-mode nodes on 127.0.0.1/.2/.3 instead of one single-host node.</summary>
    public bool Cluster { get; init; }
    /// <summary>A folder made by tls-certs.sh: ours and the baseline both run over TLS (mutual) with its certificates.</summary>
    public string? Tls { get; init; }
    /// <summary><c>--peer nats</c>: also run the same load against nats-server and a NATS.Net responder.</summary>
    public bool Nats { get; init; }
    /// <summary><c>messaging --durable</c>: DMs and room messages kept in the journal, beside kept nowhere and JetStream.</summary>
    public bool Durable { get; init; }
    /// <summary><c>messaging --durable --db CONN|FILE</c>: also a one-node cluster keeping its data in this PostgreSQL.</summary>
    public string? Db { get; init; }

    /// <summary><c>client-cost</c>: the small and the large count of requests per client process.</summary>
    public long[] Requests { get; init; } = [2_000, 20_000];
    /// <summary><c>client-cost</c>: how many times each client runs both counts.</summary>
    public int Repeats { get; init; } = 3;
    /// <summary><c>client-cost --compare DIR,...</c>: other builds of the client (each folder's ActorClient.dll) measured in the same turns.</summary>
    public string[] Compare { get; init; } = [];

    public TimeSpan WarmupTime => TimeSpan.FromSeconds(Warmup);
    public TimeSpan MeasureTime => TimeSpan.FromSeconds(Seconds);

    /// <summary>The client count of a scenario that runs one: the largest of <see cref="Clients"/>, or
    /// <paramref name="byDefault"/> when they are left at the load default.</summary>
    public int OneClientCount(int byDefault) => Clients.SequenceEqual(DefaultClients) ? byDefault : Clients.Max();

    private static readonly int[] DefaultClients = new LoadOptions().Clients;
}
