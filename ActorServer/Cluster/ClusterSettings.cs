using Akka.Configuration;

namespace Switchboard.Server.Cluster;

/// <summary>The cluster registry's settings (<c>switchboard.cluster.*</c> in cluster.hocon).</summary>
/// <param name="ReassertInterval">How often a node repeats every claim it holds to the name entities.</param>
/// <param name="RecoverFor">How long a starting name entity takes only re-asserts (longer than the interval).</param>
/// <param name="ClaimTimeout">A claim unanswered this long is refused 503 (the registry is not reachable).</param>
/// <param name="SeqLease">serverSeq numbers leased at once; a new range is asked for when half is used.</param>
/// <param name="RosterInterval">How soon a change of this node's clients reaches the other nodes (who, presence, DMs).</param>
/// <param name="Shards">Shards of the name registry (a few per node is plenty).</param>
/// <param name="MaxClients">Names one node holds at most (claims waiting for their answer included); past it 503.</param>
/// <param name="StoreClaimRenew">How often each member renews its cluster's claim on the database (<see cref="StoreClaimActor"/>).</param>
/// <param name="StoreClaimLease">How long after its last renewal a cluster's claim lapses, so another cluster may take it.</param>
public sealed record ClusterSettings(TimeSpan ReassertInterval, TimeSpan RecoverFor, TimeSpan ClaimTimeout, long SeqLease,
    TimeSpan RosterInterval, int Shards, TimeSpan MajorityTimeout, int MaxClients = 4096, TimeSpan StoreClaimRenew = default, TimeSpan StoreClaimLease = default)
{
    public static ClusterSettings Create(Config c) => new(
        c.RequiredTimeSpan("switchboard.cluster.reassert-interval"),
        c.RequiredTimeSpan("switchboard.cluster.recover-for"),
        c.RequiredTimeSpan("switchboard.cluster.claim-timeout"),
        c.RequiredInt("switchboard.cluster.seq-lease"),
        c.RequiredTimeSpan("switchboard.cluster.roster-interval"),
        c.RequiredInt("switchboard.cluster.shards"),
        c.RequiredTimeSpan("switchboard.cluster.majority-timeout"),
        c.RequiredInt("switchboard.cluster.max-clients"),
        c.RequiredTimeSpan("switchboard.cluster.store-claim-renew"),
        c.RequiredTimeSpan("switchboard.cluster.store-claim-lease"));
}
