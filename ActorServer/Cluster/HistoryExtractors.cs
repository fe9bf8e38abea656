using Akka.Cluster.Sharding;

namespace Switchboard.Server.Cluster;

/// <summary>One entity per conversation (<see cref="ConversationActor"/>): its key is the entity id.</summary>
public sealed class ConversationExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public const string TypeName = "switchboard-conversations";

    public override string? EntityId(object message) => message switch
    {
        Post m => m.Conversation.Key,
        ReadHistory m => m.Conversation.Key,
        Fetch m => m.Conversation.Key,
        MarkReadUpTo m => m.Conversation.Key,
        _ => null,
    };
}

/// <summary>One entity per reserved name's inbox (<see cref="InboxActor"/>): the name is the entity id.</summary>
public sealed class InboxExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public const string TypeName = "switchboard-inboxes";

    public override string? EntityId(object message) => message switch
    {
        Hold m => m.Owner,
        CollectAway m => m.Owner,
        AwayDelivered m => m.Owner,
        ClearInbox m => m.Owner,
        ForgetMarker m => m.Owner,
        MarkChecked m => m.Mark.Owner,
        ReadMarkers m => m.Owner,
        _ => null,
    };
}
