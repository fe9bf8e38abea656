namespace Switchboard.Server.Hosting;

// Keys in Akka.Hosting's ActorRegistry: code asks for "the registry", not for the class that implements it (the
// segment's StateActor today; a cluster registry answers the same messages in Protocol/).

/// <summary>The name registry and counters: answers the messages in <c>Protocol/</c>.</summary>
public sealed class RegistryKey;
