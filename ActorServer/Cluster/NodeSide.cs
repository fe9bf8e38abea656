using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Akka.DependencyInjection;

namespace Switchboard.Server.Cluster;

/// <summary>
/// The node-facing half of a cluster node: an ActorSystem of its own, on its own port (<c>--cluster-port</c>), that
/// alone is a cluster member. Clients never reach it and it never reaches clients; the client-facing system (gateway,
/// sessions, rooms, the registry) is a plain guarded Akka.Remote system with no cluster actors to address at all.
/// Its port speaks only mutual TLS with certificates tagged by the cluster secret (<see cref="NodeCertificate"/>):
/// membership, sharding, pub-sub and ddata are reachable by secret holders only, and what crosses is encrypted.
/// Owned by the host: created before the client-facing system starts, terminated after it stops.
/// </summary>
public sealed class NodeSide
{
    // Internal for the registry's specs, which stand probes in for the regions and the mediator.
    internal NodeSide(ActorSystem system, IActorRef names, IActorRef seq, IActorRef? mediator = null)
    {
        System = system;
        Names = names;
        Seq = seq;
        Mediator = mediator ?? DistributedPubSub.Get(system).Mediator;
    }

    public ActorSystem System { get; }

    /// <summary>The shard region of the name entities.</summary>
    public IActorRef Names { get; }

    /// <summary>The shard region of the serverSeq entity.</summary>
    public IActorRef Seq { get; }

    public IActorRef Mediator { get; }

    /// <summary>The role that tells the other nodes which client-facing address (the node's name in `who`, rosters
    /// and DM routing) this member serves.</summary>
    public const string FrontRolePrefix = "front:";

    /// <param name="hocon">The node system's settings (cluster.hocon under the user's file and the defaults).</param>
    /// <param name="config">What the command line and the secret decide, laid over <paramref name="hocon"/>.</param>
    /// <param name="services">The host's services (the log bridge resolves its logger factory there).</param>
    public static NodeSide Start(Config hocon, ClusterSettings cluster, NodeSideConfig config, IServiceProvider services, Action<string>? refused = null)
    {
        var overrides = config.ToConfig().WithFallback(Inbound(hocon));
        var certificates = new NodeCertificate(config.Secret);
        var setup = BootstrapSetup.Create().WithConfig(overrides.WithFallback(hocon))
            .And(certificates.Setup(certificates.Mint(config.Address), refused))
            .And(DependencyResolverSetup.Create(services));
        var system = ActorSystem.Create("switchboard", setup);
        // Every node must run the replicator that keeps the serverSeq mark: it starts on first use otherwise, and a
        // node that never used it could not answer the majority reads and writes of the others.
        Akka.DistributedData.DistributedData.Get(system);
        var sharding = ClusterSharding.Get(system);
        var settings = ClusterShardingSettings.Create(system).WithStateStoreMode(StateStoreMode.DData).WithRememberEntities(false);
        var names = sharding.Start(NameExtractor.TypeName, NameEntityActor.Props(cluster.RecoverFor), settings, new NameExtractor(cluster.Shards));
        var seq = sharding.Start(SeqExtractor.TypeName, SeqLeaseActor.Props(cluster.MajorityTimeout), settings, new SeqExtractor());
        return new NodeSide(system, names, seq);
    }

    /// <summary>
    /// The node side's own inbound rules (<c>switchboard.cluster.node-inbound</c>) as its <c>switchboard.inbound</c>,
    /// never the client-facing ones a user's file may carry.
    /// </summary>
    public static Config Inbound(Config hocon)
    {
        const string From = "switchboard.cluster.node-inbound";
        if (!hocon.HasPath(From)) throw new ConfigurationException($"{From} is missing");
        string List(string key) => "[" + string.Join(", ", hocon.GetStringList($"{From}.{key}", []).Select(NodeSideConfig.Quote)) + "]";
        return ConfigurationFactory.ParseString(
            $"switchboard.inbound {{ capability-parents = {List("capability-parents")}, open-paths = {List("open-paths")}, " +
            $"selection-paths = {List("selection-paths")}, cluster-prefixes = {List("cluster-prefixes")} }}");
    }

    /// <summary>The client-facing HOST:PORT a member serves (its front role), else its cluster address.</summary>
    public static string FrontOf(Akka.Cluster.Member member)
    {
        foreach (var role in member.Roles)
            if (role.StartsWith(FrontRolePrefix, StringComparison.Ordinal)) return role[FrontRolePrefix.Length..];
        return $"{member.Address.Host}:{member.Address.Port}";
    }

    /// <summary>Leaves the cluster and stops the system (bounded: a partitioned node still exits).</summary>
    public async Task StopAsync(TimeSpan within)
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance).WaitAsync(within).ContinueWith(_ => { });
        await System.WhenTerminated.WaitAsync(within).ContinueWith(_ => { });
    }
}
