using Akka.Actor;

namespace Switchboard.Messages;

/// <summary>Client → gateway: claim <paramref name="Name"/>; the sender is the client actor the session will watch.
/// <paramref name="Token"/> is the shared registration token where the server requires one, <paramref name="Password"/>
/// the name's password when it is reserved (an account). <paramref name="Previous"/>: the actor name of the session
/// this client held under the name before its connection was lost (its capability, told to it alone in
/// <see cref="Registered"/>): in a cluster the name's holder hands the name to the client that presents it at once,
/// rather than after the old claim is freed (see docs/cluster.md). None of the three is ever logged.</summary>
public sealed record Register(string Name, string? Token = null, string? Password = null, string? Previous = null) : ISwitchboardMessage
{
    // A record prints every field; the token, the password and the session's capability must never reach a log line.
    public override string ToString() => $"Register {{ Name = {Name} }}";
}

/// <summary>Gateway → client: the name is yours; talk to <paramref name="Session"/> from now on.</summary>
public sealed record Registered(IActorRef Session, long ClientSeq, long ServerSeq, string Node) : ISwitchboardMessage;

/// <summary>Gateway → client: registration refused (409 taken, 422 bad name, 503 full).</summary>
public sealed record Rejected(int Code, string Error) : ISwitchboardMessage;

/// <summary>Client → session: free the name; answered with a <see cref="Reply"/> and the session stops.</summary>
public sealed record Unregister(long Id) : ISwitchboardMessage;
