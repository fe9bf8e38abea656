using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
using Akka.Remote;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// The check both guarded providers (remote and cluster) make on a local path a peer named as a recipient or
/// sender: open by the inbound rules, or dead letters. One place, so the two modes cannot drift apart: each provider
/// holds one, installs it from its <c>Init</c> and passes every peer-named path through <see cref="Filter"/>.
/// </summary>
public sealed class InboundRecipientGuard
{
    private volatile Rules? _rules;

    /// <summary>Reads the rules from <paramref name="system"/>'s config. A provider calls it from its <c>Init</c>, before
    /// the base <c>Init</c>, which it hands the returned system.</summary>
    public ActorSystemImpl Install(ActorSystemImpl system)
    {
        _rules = new Rules(system);
        return system;
    }

    /// <summary>What a guarded provider answers for a peer's path: <paramref name="resolved"/> through the guard, once
    /// it is installed (Akka resolves a few paths of its own before Init).</summary>
    public IInternalActorRef Filter(IInternalActorRef resolved, IActorRef deadLetters) =>
        _rules is { } rules ? rules.Filter(resolved, (IInternalActorRef)deadLetters) : resolved;

    private sealed class Rules(ActorSystemImpl system)
    {
        private readonly InboundRules _rules = InboundRules.Create(system.Settings.Config);
        private ILoggingAdapter? _log;

        public IInternalActorRef Filter(IInternalActorRef resolved, IInternalActorRef deadLetters)
        {
            if (resolved is RemoteActorRef || _rules.IsOpenRecipient(resolved.Path) || resolved.IsNobody()) return resolved;
            _log ??= Logging.GetLogger(system, "inbound"); // not at Init: the system is not up yet
            if (_log.IsDebugEnabled) _log.Debug("refused a peer's reference to local path {0}", resolved.Path);
            return deadLetters;
        }
    }
}
