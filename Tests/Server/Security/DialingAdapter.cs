using Akka.Actor;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace Switchboard.Tests.Server.Security;

/// <summary>A test peer's transport adapter that changes only how it dials: listening, addressing and shutdown are the
/// wrapped transport's.</summary>
public abstract class DialingAdapter : Akka.Remote.Transport.Transport
{
    protected DialingAdapter(Akka.Remote.Transport.Transport wrapped)
    {
        Wrapped = wrapped;
        System = wrapped.System;
        Config = wrapped.Config;
    }

    protected Akka.Remote.Transport.Transport Wrapped { get; }

    public override string SchemeIdentifier => Wrapped.SchemeIdentifier;
    public override long MaximumPayloadBytes => Wrapped.MaximumPayloadBytes;
    public override Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen() => Wrapped.Listen();
    public override bool IsResponsibleFor(Address remote) => Wrapped.IsResponsibleFor(remote);
    public override Task<bool> Shutdown() => Wrapped.Shutdown();
}

/// <summary>An association over another: under <paramref name="remote"/>'s name, what it writes passed through
/// <paramref name="edit"/> (as written without one), what it reads the inner one's.</summary>
public sealed class WrappedHandle : AssociationHandle
{
    private readonly AssociationHandle _inner;
    private readonly Func<ByteString, ByteString>? _edit;

    public WrappedHandle(AssociationHandle inner, Address remote, Func<ByteString, ByteString>? edit = null) : base(inner.LocalAddress, remote)
    {
        _inner = inner;
        _edit = edit;
        ReadHandlerSource.Task.ContinueWith(t => _inner.ReadHandlerSource.TrySetResult(t.Result),
            TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    public override bool Write(ByteString payload) => _inner.Write(_edit is null ? payload : _edit(payload));

#pragma warning disable CS0672, CS0618 // Akka's handle API: the reasoned overload calls this one
    public override void Disassociate() => _inner.Disassociate();
#pragma warning restore CS0672, CS0618
}
