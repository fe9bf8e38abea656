using Akka.Actor;

namespace Switchboard.Client.Actors;

/// <summary>
/// The session this client holds, or held last, under its name: its actor name is a capability only this client was
/// told. Presented when the client registers again after a lost connection (<see cref="Register.Previous"/>, from each
/// fresh actor system), so that a cluster hands the name back at once instead of keeping it for the old session's
/// claim (its node killed, say). Never printed: <see cref="ToString"/> says only whether there is one.
/// </summary>
public sealed class LastSession
{
    private volatile string? _name;

    public string? Name => _name;

    public void Held(IActorRef session) => _name = session.Path.Name;

    public override string ToString() => _name is null ? "LastSession { none }" : "LastSession { held }";
}
