using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
using Akka.Remote;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// The check both guarded providers (remote and cluster) make on a local path a peer named as a recipient or
/// sender: open by the inbound rules, or dead letters. One place, so the two modes cannot drift apart.
/// </summary>
public sealed class InboundRecipientGuard(ActorSystemImpl system)
{
    private readonly InboundRules _rules = InboundRules.Create(system.Settings.Config);
    private ILoggingAdapter? _log;

    /// <summary>What a guarded provider answers for a peer's path: <paramref name="resolved"/> through the guard, once
    /// there is one (Akka resolves a few paths of its own before Init has built it).</summary>
    public static IInternalActorRef Filter(InboundRecipientGuard? guard, IInternalActorRef resolved, IActorRef deadLetters) =>
        guard is null ? resolved : guard.Filter(resolved, (IInternalActorRef)deadLetters);

    public IInternalActorRef Filter(IInternalActorRef resolved, IInternalActorRef deadLetters)
    {
        if (resolved is RemoteActorRef || _rules.IsOpenRecipient(resolved.Path) || resolved.IsNobody()) return resolved;
        _log ??= Logging.GetLogger(system, "inbound"); // not at Init: the system is not up yet
        if (_log.IsDebugEnabled) _log.Debug("refused a peer's reference to local path {0}", resolved.Path);
        return deadLetters;
    }
}
