namespace Switchboard.Server.Registry;

/// <summary>Every wording the registry answers with, once, whichever backend serves it.</summary>
public static class RegistryText
{
    public const string Unavailable = "server state unavailable, try again";
    public const string Full = "server is full";
    public const string Unreachable = "name registry not reachable, try again";

    /// <summary>A cluster node before "listening on" (joining its cluster, or claiming its data store).</summary>
    public static string NodeStarting(string node) => $"node {node} is starting and does not serve clients yet; try again in a few seconds";
    public const string Lost = "registration lost; register again";

    /// <summary>To a session's client when its name went to a registration that presented this session's key.</summary>
    public const string HandedOver = "the name went to a new registration of this client (a reconnect that presented this session's key)";
    public const string Unregistered = "unregistered";

    public static string Taken(string name) => $"name '{name}' is already taken";

    /// <summary>A cluster's name held by a client of <paramref name="node"/>, a member that stopped answering (most
    /// often the reconnecting client's own claim on its killed node).</summary>
    public static string TakenOnLostNode(string name, string node) =>
        $"name '{name}' is held by a client of node {node}, which stopped answering; the cluster frees the names it held once it has downed it (about 12 s after it went)";

    /// <summary>A cluster's claim not answered while <paramref name="nodes"/> stopped answering or were just removed: the
    /// name's shard most likely lived there.</summary>
    public static string UnreachableLostNode(string nodes) =>
        $"name registry not reachable: node {nodes} stopped answering, and the names it kept move to the other nodes once the cluster has downed it (about 12 s after it went); try again in a few seconds";

    public static string NotOnline(string name) => $"{name} is not online";

    /// <summary>A DM for a client of a node the cluster marked unreachable: nothing reaches it while it stays so.</summary>
    public static string NotOnlineNodeSilent(string name, string node) => $"{name} is not online: their node {node} stopped answering";

    /// <summary>A DM for a client of a node that has begun to stop (Ctrl-C, SIGTERM): its session is ending.</summary>
    public static string NotOnlineNodeStopping(string name, string node) => $"{name} is not online: their node {node} is stopping";

    /// <summary>A client's message refused because what waits for <paramref name="node"/> (HOST:PORT) is past
    /// <c>switchboard.max-unsent-bytes-node-chat</c>.</summary>
    public static string NodeFull(string node) => $"node {node} is not keeping up; message not sent, try again later";
}
