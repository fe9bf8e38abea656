namespace Switchboard.Server.Monitoring;

/// <summary>
/// What this node served, for the summary printed at shutdown (the seed printed clients, requests per
/// client and the total). Written by the state actor, read by Program after the actor system stopped. Each session
/// shows when it held its name (local time), so two sessions of one name are told apart.
/// </summary>
public sealed class ServerSummary(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly List<(string Name, long Requests, DateTimeOffset Since, DateTimeOffset Until)> _sessions = [];

    /// <summary>Now, as the summary's times read it: when a name was claimed.</summary>
    public DateTimeOffset Now => _clock.GetLocalNow();

    public void Record(string name, long requests, DateTimeOffset since)
    {
        var until = Now;
        lock (_gate) _sessions.Add((name, requests, since, until));
    }

    /// <summary>Called once the state actor stopped: nothing more will be recorded.</summary>
    public void Complete()
    {
        lock (_gate) IsComplete = true;
    }

    public bool IsComplete { get; private set; }

    public IReadOnlyList<(string Name, long Requests, DateTimeOffset Since, DateTimeOffset Until)> Sessions
    {
        get { lock (_gate) return [.. _sessions]; }
    }

    public string Render()
    {
        var sessions = Sessions;
        var lines = new List<string> { $"summary: {sessions.Count} client session(s) served" };
        lines.AddRange(sessions.Select(s => $"  {s.Name,-32} {s.Requests,10} request(s)   {s.Since:HH:mm:ss}–{s.Until:HH:mm:ss}"));
        lines.Add($"  {"total",-32} {sessions.Sum(s => s.Requests),10} request(s)");
        return string.Join(Environment.NewLine, lines);
    }
}
