namespace Switchboard.Server.Registry.Protocol;

/// <summary>Timer (or a spec driving time) → registry: heartbeat this node, reap dead nodes and look at presence
/// now. The registry's own timer sends it every <c>maintain-interval</c>.</summary>
public sealed record MaintainNow
{
    public static readonly MaintainNow Instance = new();
}
