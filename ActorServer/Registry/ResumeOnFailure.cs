using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Registry;

/// <summary>
/// Supervision of the node's top-level actors (registry, gateway, rooms), set as
/// <c>akka.actor.guardian-supervisor-strategy</c>. Akka's default restarts a failed actor, which for these means
/// losing every session (the gateway's children), every room, or the registry's bookkeeping, for the sake of one
/// bad message. Their state stays valid across a failed message (each store call is atomic), so they resume. An
/// actor that cannot even start, or was killed, stops; the gateway then stops the node.
/// </summary>
public sealed class ResumeOnFailure : SupervisorStrategyConfigurator
{
    public override SupervisorStrategy Create() => new Strategy();

    private sealed class Strategy() : OneForOneStrategy(Decide)
    {
        private static Directive Decide(Exception ex) => ex switch
        {
            ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
            _ => Directive.Resume,
        };

        // Akka logs a resumed failure as a warning; here it is a bug an operator must see, with its stack.
        protected override void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive) =>
            context.System.EventStream.Publish(new Error(cause, child.Path.ToString(), typeof(ResumeOnFailure),
                $"{child.Path.Name} failed on a message and is {(directive == Directive.Resume ? "resumed" : "stopped")}: {cause.Message}"));
    }
}
