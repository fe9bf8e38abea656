namespace Switchboard.Server.Sessions;

/// <summary>How a <see cref="SessionChat"/> hooks into its session: a client's message passes the session's capability
/// check and rate limit before its handler runs.</summary>
internal interface ISessionInbox
{
    void FromClient<T>(Func<T, long> id, Action<T> handle);
    void Receive<T>(Action<T> handle);

    /// <summary>Only from an actor of this node (a local sender that is not the client): what a client could send its own
    /// session but must not (an answer to its own DM, a drop notice). A peer cannot write a local sender: the inbound
    /// guard drops a message to a session whose sender is not at the peer's own address.</summary>
    void FromNode<T>(Action<T> handle);

    /// <summary>A <see cref="ChatCommand"/> by its verb, after the same checks as <see cref="FromClient{T}"/>; a verb
    /// nobody registered is answered 300.</summary>
    void Verb(string verb, Action<ChatCommand> handle);

    /// <summary>The client's messages (but its acks) wait until every <paramref name="holder"/> has let go
    /// (<see cref="ReleaseClient"/>), at most <paramref name="atMost"/> or <see cref="SessionActor.MaxHeld"/> messages:
    /// what the session must push or know first comes before the next command is handled.</summary>
    void HoldClient(object holder, TimeSpan atMost);

    void ReleaseClient(object holder);
}
