namespace Switchboard.Server.Hosting;

// Keys in Akka.Hosting's ActorRegistry: code asks for "the registry", not for how it is built (RegistryActor over the
// segment's or the cluster's backend).

/// <summary>The name registry and counters: answers the messages in <c>Registry/Protocol/</c>.</summary>
public sealed class RegistryKey;
