using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// A client's transport (<c>applied-adapters</c> in client.hocon): it dials its server and takes no connection from
/// anyone. Akka names a peer by the origin it writes in its handshake, and hands a live address's association to a
/// newcomer claiming that address: a peer that connected to a client passing for its server would take the client's
/// requests. The server answers over the client's own connection (Akka's passive connections), and a client that loses
/// it reconnects itself, so it needs no inbound one.
/// </summary>
public sealed class OutboundOnlyTransportProvider : ITransportAdapterProvider
{
    public Akka.Remote.Transport.Transport Create(Akka.Remote.Transport.Transport wrappedTransport, ExtendedActorSystem system) =>
        new OutboundOnlyTransport(wrappedTransport, system);
}

/// <inheritdoc cref="OutboundOnlyTransportProvider"/>
public sealed class OutboundOnlyTransport(Akka.Remote.Transport.Transport wrapped, ExtendedActorSystem system) : WrappingTransport(wrapped, system)
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, typeof(OutboundOnlyTransport));

    // Akka's protocol layer never hears of an inbound connection: each is closed as it comes.
    public override async Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen()
    {
        var (address, driverListener) = await Wrapped.Listen().ConfigureAwait(false);
        driverListener.TrySetResult(new Refusing(_log));
        return (address, new TaskCompletionSource<IAssociationEventListener>(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private sealed class Refusing(ILoggingAdapter log) : IAssociationEventListener
    {
        public void Notify(IAssociationEvent ev)
        {
            if (ev is InboundAssociation a) a.Association.Disassociate("a client takes no inbound connection", log);
        }
    }
}
