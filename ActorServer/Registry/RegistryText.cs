namespace Switchboard.Server.Registry;

/// <summary>Every wording the registry answers with, once, whichever backend serves it.</summary>
public static class RegistryText
{
    public const string Unavailable = "server state unavailable, try again";
    public const string Full = "server is full";
    public const string Unreachable = "name registry not reachable, try again";
    public const string Lost = "registration lost; register again";
    public const string Unregistered = "unregistered";

    public static string Taken(string name) => $"name '{name}' is already taken";

    public static string NotOnline(string name) => $"{name} is not online";

    /// <summary>A client's message refused because what waits for <paramref name="node"/> (HOST:PORT) is past
    /// <c>switchboard.max-unsent-bytes-node-chat</c>.</summary>
    public static string NodeFull(string node) => $"node {node} is not keeping up; message not sent, try again later";
}
