using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Switchboard.Server.Cluster;

/// <summary>
/// Keeps one cluster on one data store. Every member carries the identity of the database it keeps accounts and history
/// in (its store role: <see cref="Hosting.PostgresStore.IdentifyAsync"/>, or none without <c>--db</c>). A node pointed at
/// another database would hold shards of names and conversations whose accounts and messages the cluster's database
/// does not have: a name reserved there would be free to anyone whose claim landed on it. So the members that were
/// there first keep the cluster: a newcomer whose store differs is downed before it serves, and a node that finds
/// itself the newcomer says why and leaves (<paramref name="refuse"/> takes its one line for the operator).
/// </summary>
public sealed class StoreCheckActor : ReceiveActor
{
    public const string RolePrefix = "store:";
    private const string NoStore = RolePrefix + "none";

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<UniqueAddress, Member> _members = [];
    private readonly HashSet<UniqueAddress> _downed = [];
    private readonly string _role;
    private readonly Action<string> _refuse;
    private bool _leaving;

    public StoreCheckActor(Guid? store, Action<string> refuse)
    {
        _role = RoleOf(store);
        _refuse = refuse;
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            _members.Remove(m.Member.UniqueAddress);
            _downed.Remove(m.Member.UniqueAddress);
        });
        Receive<ClusterEvent.IMemberEvent>(m =>
        {
            _members[m.Member.UniqueAddress] = m.Member;
            Check();
        });
    }

    public static Props Props(Guid? store, Action<string> refuse) => Akka.Actor.Props.Create(() => new StoreCheckActor(store, refuse));

    /// <summary>The store role of a node that keeps its data in the database <paramref name="store"/> names (null: none).</summary>
    public static string RoleOf(Guid? store) => store is { } id ? RolePrefix + id.ToString("D") : NoStore;

    /// <summary>What a node with <paramref name="self"/> as its own membership does about <paramref name="other"/>.</summary>
    public static StoreVerdict Judge(Member self, Member other, string selfRole)
    {
        if (RoleIn(other) == selfRole) return StoreVerdict.Agree;
        // Only a member already serving keeps the cluster; one on its way out changes nothing.
        if (other.Status == MemberStatus.Up && (self.Status != MemberStatus.Up || other.IsOlderThan(self))) return StoreVerdict.LeaveSelf;
        if (other.Status is MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Down or MemberStatus.Removed) return StoreVerdict.Agree;
        return self.Status == MemberStatus.Up ? StoreVerdict.DownOther : StoreVerdict.Wait;
    }

    /// <summary>In words: "database id ..." or "no --db".</summary>
    public static string Describe(string role) =>
        role == NoStore ? "no --db" : $"database id {role[RolePrefix.Length..]}";

    private static string RoleIn(Member m) => m.Roles.FirstOrDefault(r => r.StartsWith(RolePrefix, StringComparison.Ordinal)) ?? NoStore;

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Check()
    {
        if (_leaving || !_members.TryGetValue(_cluster.SelfUniqueAddress, out var self)) return;
        foreach (var other in _members.Values)
        {
            if (other.UniqueAddress == self.UniqueAddress) continue;
            switch (Judge(self, other, _role))
            {
                case StoreVerdict.LeaveSelf:
                    _leaving = true;
                    var why = $"this node's data store ({Describe(_role)}) is not the cluster's: node {NodeSide.FrontOf(other)} keeps " +
                        $"{Describe(RoleIn(other))}. Every node of a cluster must use the same PostgreSQL database (--db), or none; this node leaves";
                    _refuse(why); // said once, by the node's "error:" line as it exits
                    CoordinatedShutdown.Get(Context.System).Run(StoreMismatch.Instance);
                    return;
                case StoreVerdict.DownOther when _downed.Add(other.UniqueAddress):
                    _log.Warning("node {0} keeps its data in another store ({1}) than this cluster ({2}): downed before it serves; " +
                        "every node of a cluster must use the same PostgreSQL database (--db), or none", NodeSide.FrontOf(other),
                        Describe(RoleIn(other)), Describe(_role));
                    _cluster.Down(other.Address);
                    break;
            }
        }
    }
}

public enum StoreVerdict
{
    Agree,
    Wait,
    DownOther,
    LeaveSelf,
}

/// <summary>Why a node's cluster side stopped: its data store is not the cluster's.</summary>
public sealed class StoreMismatch : CoordinatedShutdown.Reason
{
    public static readonly StoreMismatch Instance = new();

    private StoreMismatch()
    {
    }

    public override int ExitCode => 1;
}
