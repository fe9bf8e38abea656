namespace Switchboard.Server.Sessions;

/// <summary>
/// A <see cref="Switchboard.Messages.Deliver"/> or <see cref="Switchboard.Messages.Fanout"/> handed to a session by its
/// own node: another session, the gateway, the rooms, the node's inbox. No serializer takes this type (everything not a
/// Switchboard message is bound to the refusing serializer), so no peer can send it; a bare Deliver or Fanout that
/// reaches a session can only be its client's, which must not make the node answer an address of the client's choosing
/// (a reply address resolves to any host and port), and is ignored.
/// </summary>
public sealed record Handed(ISwitchboardMessage Message);
