using Akka.Actor;
using Switchboard.Benchmarks.Nats;
using static Switchboard.Benchmarks.Load.ReportFormat;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// <c>messaging --durable</c>: DMs and room messages through the history's journal (SQLite), each acknowledged when
/// the sender hears its reply, beside the same load kept nowhere and, with nats-server at hand, JetStream publishes
/// acknowledged by a file-backed stream; with <c>--db</c>, a one-node cluster keeping them in PostgreSQL; all in alternating
/// slices.
/// </summary>
public static class DurableScenario
{
    private const string Room = "bench";
    // The load clients' password; the run's server hashes it at switchboard.accounts.iterations (LoadEnvironment).
    private const string Password = "load-generator";

    public static async Task<DurableReport> RunAsync(LoadEnvironment env, LoadOptions o)
    {
        var rows = new List<DurableRow>();
        var natsBinary = NatsServer.Binary();
        if (natsBinary is null) Console.Error.WriteLine("messaging --durable: nats-server is not on PATH nor in /usr/sbin: no JetStream column (Debian: apt-get install -y nats-server)");
        foreach (var n in o.Clients)
            foreach (var traffic in new[] { Traffic.Tell, Traffic.Say })
            {
                var window = MessagingScenario.WindowFor(traffic, n, o.Window);
                var room = traffic == Traffic.Say ? Room : null;
                Console.Error.WriteLine($"messaging --durable: {(room is null ? "DMs" : "room messages")} with {n} clients, window {window}, {o.Seconds:0.#} s (+{o.Warmup:0.#} s warm-up) in {Alternation.Slices(o.Seconds).Rounds} alternating slice(s)");
                var durableData = env.NewDataDir();
                using var durable = await env.StartServerAsync(durableData);
                // Its own empty store too (a single-host server always has one); guests' DMs and broadcasts are not kept.
                using var memory = await env.StartServerAsync(env.NewDataDir());
                var jetStreamData = natsBinary is null ? null : env.NewDataDir();
                using var nats = jetStreamData is null ? null : await NatsServer.StartAsync(TimeSpan.FromSeconds(30), jetStreamData);
                // Reserved names (registered with the password, then reserved): their DMs are kept, as every room message is.
                await using var durableFleet = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(durable.Address), $"dur{n}x", traffic, window, o.Op, o.Args,
                    env.ClientHocon, TimeSpan.FromSeconds(120), password: Password, room: room);
                // Guests; a room message is always kept on a single-host server, so the unkept peer of a room is a broadcast.
                await using var memoryFleet = await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(memory.Address), $"mem{n}x", traffic, window, o.Op, o.Args,
                    env.ClientHocon, TimeSpan.FromSeconds(60));
                await using var jetStream = nats is null ? null : await NatsFleet.StartJetStreamAsync(n, nats.Url, window, $"js{n}x", room, TimeSpan.FromSeconds(60));
                // The database outlives runs: names of this run's own, so a reservation of an earlier run is no obstacle.
                using var postgres = o.Db is null ? null : await env.StartClusterNodeAsync(o.Db);
                await using var postgresFleet = postgres is null ? null : await Fleet.StartAsync(n, Target.Switchboard, Address.Parse(postgres.Address),
                    $"pg{Guid.NewGuid().ToString("N")[..6]}x", traffic, window, o.Op, o.Args, env.ClientHocon, TimeSpan.FromSeconds(180), password: Password, room: room);
                Console.Error.WriteLine($"messaging --durable: SQLite at {durable.Address} (pid {durable.Pid}), in memory at {memory.Address} (pid {memory.Pid})" +
                    (nats is null ? "" : $", JetStream at {nats.Url} (nats-server pid {nats.Pid})"));
                await Task.Delay(1000); // presence notices of the joins

                var cpu = new[] { new CpuMeter(durable.Pid, false), new CpuMeter(memory.Pid, false), new CpuMeter(nats?.Pid, false), new CpuMeter(postgres?.Pid, false) };
                Contender?[] contenders =
                [
                    new((slice, rate) => durableFleet.RunAsync(TimeSpan.Zero, slice, rate, o.MaxRequests), cpu[0]),
                    new((slice, rate) => memoryFleet.RunAsync(TimeSpan.Zero, slice, rate, o.MaxRequests), cpu[1]),
                    jetStream is null ? null : new((slice, rate) => jetStream.RunAsync(slice, rate, o.MaxRequests), cpu[2]),
                    postgresFleet is null ? null : new((slice, rate) => postgresFleet.RunAsync(TimeSpan.Zero, slice, rate, o.MaxRequests), cpu[3]),
                ];
                await Alternation.WarmUpAsync(contenders, o.WarmupTime, o.Rate);
                var r = await Alternation.RunAsync(contenders, o.Seconds, o.Rate);
                rows.Add(new DurableRow(room is null ? "DM" : "room", n, window,
                    Side(r[0]!, cpu[0], StoreMb(durableData)),
                    Side(r[1]!, cpu[1], null),
                    r[2] is null ? null : Side(r[2]!, cpu[2], StoreMb(jetStreamData!)),
                    r[3] is null ? null : Side(r[3]!, cpu[3], null)));
            }
        var report = new DurableReport("messaging-durable", o.Seconds, o.Warmup, o.Window, Room, rows);
        Console.Out.Write(Markdown(report));
        return report;
    }

    private static DurableSide Side(PhaseResult r, CpuMeter cpu, double? storeMb) =>
        new(Math.Round(r.Throughput), Math.Round(r.ReceivedPerSecond), RoundMs(r.Ms(50)), RoundMs(r.Ms(99)), RoundMs(r.MaxMs), r.Errors,
            Math.Round(cpu.CpuMs), storeMb, r.FirstError);

    // What the store holds on disk at the end (files under its directory).
    private static double StoreMb(string dir) => !Directory.Exists(dir) ? 0
        : Math.Round(new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) / 1048576.0, 2);
}
