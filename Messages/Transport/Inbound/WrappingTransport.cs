using Akka.Actor;
using Akka.Remote.Transport;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// A transport adapter that adds nothing to the scheme (addresses stay <c>akka.tcp://…</c>, or <c>akka.ssl.tcp://…</c>)
/// and passes everything to the transport it wraps but what it overrides: how inbound connections are taken
/// (<see cref="Listen"/>). Akka's own adapters (<see cref="AbstractTransportAdapter"/>) would add their name to the scheme,
/// which peers would have to apply too.
/// </summary>
public abstract class WrappingTransport : Akka.Remote.Transport.Transport
{
    private readonly Akka.Remote.Transport.Transport _wrapped;

    protected WrappingTransport(Akka.Remote.Transport.Transport wrapped, ExtendedActorSystem system)
    {
        _wrapped = wrapped;
        System = system;
        Config = wrapped.Config;
    }

    protected Akka.Remote.Transport.Transport Wrapped => _wrapped;

    public override string SchemeIdentifier => _wrapped.SchemeIdentifier;
    public override long MaximumPayloadBytes => _wrapped.MaximumPayloadBytes;
    public override bool IsResponsibleFor(Address remote) => _wrapped.IsResponsibleFor(remote);
    public override Task<bool> Shutdown() => _wrapped.Shutdown();
    public override Task<bool> ManagementCommand(object message) => _wrapped.ManagementCommand(message);

    // Outbound associations go to addresses this system chose to dial: nothing to check.
    public override Task<AssociationHandle> Associate(Address remoteAddress) => _wrapped.Associate(remoteAddress);
}
