namespace Switchboard.Server.Monitoring;

/// <summary>
/// What this node served, for the summary printed at shutdown (the seed printed clients, requests per
/// client and the total). Written by the state actor, read by Program after the actor system stopped.
/// </summary>
public sealed class ServerSummary
{
    private readonly Lock _gate = new();
    private readonly List<(string Name, long Requests)> _sessions = [];

    public void Record(string name, long requests)
    {
        lock (_gate) _sessions.Add((name, requests));
    }

    /// <summary>Called once the state actor stopped: nothing more will be recorded.</summary>
    public void Complete()
    {
        lock (_gate) IsComplete = true;
    }

    public bool IsComplete { get; private set; }

    public IReadOnlyList<(string Name, long Requests)> Sessions
    {
        get { lock (_gate) return [.. _sessions]; }
    }

    public string Render()
    {
        var sessions = Sessions;
        var lines = new List<string> { $"summary: {sessions.Count} client session(s) served" };
        lines.AddRange(sessions.Select(s => $"  {s.Name,-32} {s.Requests,10} request(s)"));
        lines.Add($"  {"total",-32} {sessions.Sum(s => s.Requests),10} request(s)");
        return string.Join(Environment.NewLine, lines);
    }
}
