using Akka.Actor;
using Akka.Remote.Transport;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// A transport adapter that adds nothing to the scheme (addresses stay <c>akka.tcp://…</c>, or <c>akka.ssl.tcp://…</c>)
/// and passes everything to the transport it wraps but what it overrides: how inbound connections are taken
/// (<see cref="Listen"/>). Akka's own adapters (<see cref="AbstractTransportAdapter"/>) would add their name to the scheme,
/// which peers would have to apply too.
/// </summary>
public abstract class WrappingTransport(Akka.Remote.Transport.Transport wrapped) : Akka.Remote.Transport.Transport
{
    protected Akka.Remote.Transport.Transport Wrapped => wrapped;

    public override string SchemeIdentifier => wrapped.SchemeIdentifier;
    public override long MaximumPayloadBytes => wrapped.MaximumPayloadBytes;
    public override bool IsResponsibleFor(Address remote) => wrapped.IsResponsibleFor(remote);
    public override Task<bool> Shutdown() => wrapped.Shutdown();
    public override Task<bool> ManagementCommand(object message) => wrapped.ManagementCommand(message);

    // Outbound associations go to addresses this system chose to dial: nothing to check.
    public override Task<AssociationHandle> Associate(Address remoteAddress) => wrapped.Associate(remoteAddress);
}
