using Akka.Actor;

namespace Switchboard.Server.Gateway;

/// <summary>
/// The gateway's names claimed for a registration whose password is being checked, each with the registrations of
/// other clients that asked for it meanwhile, in order. The password is checked only once the name is claimed (so a
/// name's account has one writer), and a check takes a while on purpose: without a queue the owner, logging in while
/// a guesser's attempt was checked, heard 409 "taken" for a name nobody was logged in as. A wrong guess gives the name
/// to the first waiting, whose claim and check the others wait on in turn; a right password leaves them 409. Bounded per
/// name (<see cref="MaxWaiting"/>; past it, 409 as before) and by the registrations the gate admits.
/// </summary>
internal sealed class LoginQueues
{
    /// <summary>Registrations that wait for one name's check at most.</summary>
    public const int MaxWaiting = 16;

    private readonly Dictionary<string, Line> _names = new(StringComparer.Ordinal);

    /// <summary>The name's claim is being checked.</summary>
    public void Checking(string name)
    {
        if (_names.TryGetValue(name, out var line)) line.Claiming = null;
        else _names[name] = new Line();
    }

    /// <summary>Queues <paramref name="client"/>'s registration, refused because <paramref name="name"/> is claimed, if
    /// that claim is one checked here (or the claim of the one that waited first) and the queue has room; false when
    /// the registration should be answered now.</summary>
    public bool Wait(string name, IActorRef client)
    {
        if (!_names.TryGetValue(name, out var line) || client.Equals(line.Claiming) || line.Waiting.Count >= MaxWaiting) return false;
        line.Waiting.Enqueue(client);
        return true;
    }

    /// <summary>The check ended with the name kept: those that waited, to be answered 409.</summary>
    public IReadOnlyCollection<IActorRef> Done(string name) => _names.Remove(name, out var line) ? line.Waiting : [];

    /// <summary>The check ended with the name given back: the first that waited, to claim it next, or nobody.</summary>
    public IActorRef? Next(string name)
    {
        if (!_names.TryGetValue(name, out var line)) return null;
        if (line.Waiting.TryDequeue(out var next)) return line.Claiming = next;
        _names.Remove(name);
        return null;
    }

    /// <summary><paramref name="client"/>'s registration was refused: if it was claiming the name for those waiting
    /// (another node took it first, say), they are answered as it is (none is left waiting on a claim that is not).</summary>
    public IReadOnlyCollection<IActorRef> Refused(string name, IActorRef client) =>
        _names.TryGetValue(name, out var line) && client.Equals(line.Claiming) && _names.Remove(name) ? line.Waiting : [];

    private sealed class Line
    {
        public Queue<IActorRef> Waiting { get; } = new();
        public IActorRef? Claiming { get; set; }
    }
}
