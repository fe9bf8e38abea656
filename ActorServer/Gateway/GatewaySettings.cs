namespace Switchboard.Server.Gateway;

/// <summary>What the gateway is told at start.</summary>
/// <param name="Node">This node's address (host:port), told to clients in <c>Registered</c>.</param>
/// <param name="DoorName">The actor name of this node's door for the other nodes sharing its segment (see <c>NodeKey</c>);
/// null in cluster mode, where other nodes reach the registry's node-side inbox instead.</param>
/// <param name="Token">The registration token check (none unless the operator set a token).</param>
public sealed record GatewaySettings(string Node, string? DoorName, RegistrationSettings Registration, TokenCheck Token);
