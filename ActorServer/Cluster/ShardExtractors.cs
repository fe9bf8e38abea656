using Akka.Cluster.Sharding;

namespace Switchboard.Server.Cluster;

/// <summary>One entity per name: the name is the entity id, hashed into a fixed number of shards.</summary>
public sealed class NameExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public const string TypeName = "switchboard-names";

    public override string? EntityId(object message) => message switch
    {
        NameClaim m => m.Name,
        NameRelease m => m.Name,
        _ => null,
    };
}

/// <summary>The serverSeq counter: one entity, so one writer of the cluster-wide mark.</summary>
public sealed class SeqExtractor() : HashCodeMessageExtractor(1)
{
    public const string TypeName = "switchboard-seq";

    public override string? EntityId(object message) => message is LeaseSeq ? "seq" : null;
}
