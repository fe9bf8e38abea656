namespace Switchboard.Server.Cluster;

/// <summary>The database's one claim row as a node read it: the nodes of the cluster that last renewed it (node-side
/// addresses with their incarnation, <see cref="StoreClaims.IdOf"/>) and their client-facing addresses, since when that
/// cluster holds it, and how long ago it was renewed, all at the database's clock (never a node's). No members: released
/// (a cluster's last node stopped cleanly) or never taken. <paramref name="Renewed"/>: when, as the row says it (two
/// looks that read the same were not renewed between them).</summary>
public sealed record StoreClaimRow(IReadOnlyList<string> Members, IReadOnlyList<string> Fronts, DateTime Since, TimeSpan Age, DateTime Renewed);

/// <summary>What a node brings to the claim: every member of its cluster it knows of, whatever its status (is the
/// claim its cluster's?), and the serving ones it writes as the holders, with their client-facing addresses.</summary>
public sealed record StoreClaimAsk(IReadOnlySet<string> Known, IReadOnlyList<string> Members, IReadOnlyList<string> Fronts);

/// <summary>The verdict, and the row as it was read before this node wrote it (the other cluster's, when refused).</summary>
public sealed record StoreClaimAnswer(StoreClaimVerdict Verdict, StoreClaimRow Row);

public enum StoreClaimVerdict
{
    /// <summary>The claim is this cluster's: renewed.</summary>
    Hold,
    /// <summary>Released, never taken, or lapsed: taken for this cluster.</summary>
    Take,
    /// <summary>Another cluster renewed it within the lease: this one must not write.</summary>
    Refuse,
}

/// <summary>
/// At most one cluster uses a database at a time. A cluster has no id of its own to compare; it has members, and the
/// claim row names the members that renewed it last. A node whose view of its cluster shares a member with the row holds
/// the claim (a joiner sees the members that wrote it; a member's view keeps a killed member until it is removed, and
/// the survivors' renewals meanwhile write the row without it). A cluster formed beside it (a node whose --seeds reached
/// none of its nodes) shares none, and is refused while the row was renewed within the lease; a split into two
/// clusters is refused on the side that renews second, once the sides no longer see each other.
/// </summary>
public static class StoreClaims
{
    public static StoreClaimVerdict Judge(StoreClaimRow row, IReadOnlySet<string> known, TimeSpan lease) =>
        row.Members.Count == 0 ? StoreClaimVerdict.Take
        : row.Members.Any(known.Contains) ? StoreClaimVerdict.Hold
        : row.Age >= lease ? StoreClaimVerdict.Take
        : StoreClaimVerdict.Refuse;

    /// <summary>A member as the row names it: its node-side HOST:PORT and incarnation (a node started again is another).</summary>
    public static string IdOf(Akka.Cluster.UniqueAddress node) => $"{node.Address.Host}:{node.Address.Port}#{node.Uid}";

    /// <summary>The row's nodes in words: "127.0.0.1:43010 (node port 127.0.0.1:43011), ...".</summary>
    public static string Holders(StoreClaimRow row) => string.Join(", ", row.Members.Select((m, i) =>
        $"{(i < row.Fronts.Count ? row.Fronts[i] : "?")} (node port {NodePort(m)})"));

    /// <summary>The row's node ports, as --seeds takes them.</summary>
    public static string Seeds(StoreClaimRow row) => string.Join(",", row.Members.Select(NodePort));

    private static string NodePort(string id) => id.Split('#')[0];

    /// <summary>Why a node that formed a cluster of its own does not serve (its <c>error:</c> line, exit code 1): it saw
    /// the other cluster renew its claim while it looked, so that cluster is running.</summary>
    public static string Refusal(string store, StoreClaimRow other, TimeSpan lease) =>
        $"the data store {store} is in use by another cluster: {Holders(other)} {(other.Members.Count == 1 ? "holds" : "hold")} it " +
        $"since {other.Since:yyyy-MM-dd HH:mm:ss} UTC and renewed it while this node looked. This node's --seeds reached none of its nodes, so it " +
        $"formed a cluster of its own, and two clusters on one database would write the same names and conversations. Give this node the " +
        $"running cluster's --seeds (e.g. --seeds {Seeds(other)}); or stop that cluster first (a cluster stopped cleanly releases its " +
        $"claim at once; one killed, {Seconds(lease)} after its last renewal, while a node started meanwhile waits for it)";

    /// <summary>What a node that never served logs once when the claim it found was not renewed between its looks: its
    /// cluster may be gone (killed), so it waits for the lease rather than refusing.</summary>
    public static string Waiting(string store, StoreClaimRow other, TimeSpan lease) =>
        $"the data store {store} is claimed by {Holders(other)}, last renewed {Math.Max(0, Math.Round(other.Age.TotalSeconds)):0} s ago and not " +
        $"since: if those nodes were killed, the claim lapses {Seconds(lease)} after its last renewal{Left(other, lease)} and this node serves " +
        $"then; if they are running and renew it, this node stops (their cluster holds the database)";

    /// <summary>What a serving member logs once when its renewal finds another cluster's live claim.</summary>
    public static string Lost(string store, StoreClaimRow other, TimeSpan lease) =>
        $"the data store {store} is claimed by another cluster: {Holders(other)}, since {other.Since:yyyy-MM-dd HH:mm:ss} UTC. Two clusters " +
        $"use one database (a network split, or a node whose --seeds reached none of this cluster's nodes): this cluster's kept messages and " +
        $"account changes are answered 503 until that claim lapses ({Seconds(lease)} after its last renewal); stop the other cluster's nodes " +
        $"and start them again with this cluster's --seeds";

    private static string Left(StoreClaimRow row, TimeSpan lease) =>
        lease - row.Age is var left && left > TimeSpan.Zero ? $" (in about {Seconds(left)})" : "";

    /// <summary>"15 s", "2 min".</summary>
    public static string Seconds(TimeSpan t) => t.TotalSeconds >= 60 && t.TotalSeconds % 60 == 0
        ? $"{t.TotalMinutes:0} min" : $"{Math.Ceiling(t.TotalSeconds):0} s";
}
