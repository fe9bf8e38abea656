namespace Switchboard.Server.Sessions;

/// <summary>How a <see cref="SessionChat"/> hooks into its session: a client's message passes the session's capability
/// check and rate limit before its handler runs.</summary>
internal interface ISessionInbox
{
    void FromClient<T>(Func<T, long> id, Action<T> handle);
    void Receive<T>(Action<T> handle);

    /// <summary>A <see cref="ChatCommand"/> by its verb, after the same checks as <see cref="FromClient{T}"/>; a verb
    /// nobody registered is answered 300.</summary>
    void Verb(string verb, Action<ChatCommand> handle);

    /// <summary>The client's messages (but its acks) wait until <see cref="ReleaseClient"/>, at most
    /// <paramref name="atMost"/> or <see cref="SessionActor.MaxHeld"/> messages: what the session must push first goes
    /// out before any answer.</summary>
    void HoldClient(TimeSpan atMost);

    void ReleaseClient();
}
