namespace Switchboard.Messages;

/// <summary>
/// Client → session: requests that were already queued at the client, in one message (one envelope, one
/// frame), so a client with several in flight pays the transport once. Never waited for: a client sends
/// a batch only of what it has at hand. At most <see cref="Limits.MaxBatch"/> requests (the serializer
/// refuses more); each counts as one request for the rate limit.
/// </summary>
public sealed record RequestBatch(Request[] Requests) : ISwitchboardMessage;

/// <summary>Session → client: the replies to one <see cref="RequestBatch"/> (those that were counted together), in its order.</summary>
public sealed record ReplyBatch(Reply[] Replies) : ISwitchboardMessage;
