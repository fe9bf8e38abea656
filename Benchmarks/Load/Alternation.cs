namespace Switchboard.Benchmarks.Load;

/// <summary>One side of a comparison: a phase of <c>(length, total rate)</c> on its fleet, and the processes whose CPU it costs.</summary>
public sealed record Contender(Func<TimeSpan, double, Task<PhaseResult>> Run, params CpuMeter[] Cpu);

/// <summary>
/// Several contenders measured in alternating slices of ~2 s (each in turn, again and again), so a drift in what else
/// the machine is doing (2 shared cores) hits all alike and their ratios stay meaningful. A null contender is skipped
/// and has a null result.
/// </summary>
public static class Alternation
{
    /// <summary>How <paramref name="seconds"/> are cut: whole rounds of one slice per contender.</summary>
    public static (int Rounds, TimeSpan Slice) Slices(double seconds)
    {
        var rounds = Math.Max(1, (int)Math.Round(seconds / 2));
        return (rounds, TimeSpan.FromSeconds(seconds / rounds));
    }

    /// <summary>One unrecorded phase of <paramref name="warmup"/> each, in turn.</summary>
    public static async Task WarmUpAsync(IReadOnlyList<Contender?> contenders, TimeSpan warmup, double rate)
    {
        foreach (var c in contenders)
            if (c is not null) await c.Run(warmup, rate);
    }

    /// <summary>The slices of <paramref name="seconds"/>, alternating; each contender's slices as one result. With
    /// <paramref name="meterCpu"/>, each slice's CPU is added to the contender's meters.</summary>
    public static async Task<PhaseResult?[]> RunAsync(IReadOnlyList<Contender?> contenders, double seconds, double rate, bool meterCpu = true)
    {
        var (rounds, slice) = Slices(seconds);
        var slices = contenders.Select(_ => new List<PhaseResult>()).ToArray();
        for (var i = 0; i < rounds; i++)
            for (var c = 0; c < contenders.Count; c++)
            {
                if (contenders[c] is not { } x) continue;
                Func<Task<PhaseResult>> run = () => x.Run(slice, rate);
                if (meterCpu)
                    foreach (var meter in x.Cpu)
                    {
                        var inner = run;
                        run = () => meter.MeasureAsync(inner);
                    }
                slices[c].Add(await run());
            }
        return slices.Select(s => s.Count == 0 ? null : PhaseResult.Combine(s)).ToArray();
    }
}
