namespace Switchboard.Server.Sessions;

/// <summary>
/// A DM to this session's name was held in its inbox while the session was online: its sender's session ended before
/// the store kept it, so nobody delivered it (<see cref="Switchboard.Server.History.UnfinishedHoldsActor"/>, through
/// the gateway). The session collects it from the inbox now instead of at the next login. Like <see cref="Handed"/>, no
/// serializer takes this type, so no peer can send it.
/// </summary>
public sealed record HeldWhileOnline(string Name);
