namespace Switchboard.Server.Registry.Protocol;

/// <summary>Anyone → registry: a consistent snapshot of every node and client, answered with a
/// <see cref="State.StateSnapshot"/> (or a <c>Status.Failure</c> when the state is unavailable).</summary>
public sealed record GetSnapshot
{
    public static readonly GetSnapshot Instance = new();
}
