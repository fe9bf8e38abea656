using Akka.Actor;
using Akka.Event;
using Switchboard.Messages;
using Switchboard.Server.Chat;
using Switchboard.Server.Protocol;
using Switchboard.Server.Security;
using Switchboard.Server.Settings;

namespace Switchboard.Server.Actors;

/// <summary>
/// This node's rooms: which local sessions are in which room, and each room's last messages. Every room
/// message is fanned out to every node, so each node keeps the same recent history and replays it to a
/// local client who joins. History lives in memory: a restarted node starts with empty rooms.
/// </summary>
public sealed class RoomsActor : ReceiveActor
{
    private readonly int _historySize;
    private readonly Dictionary<string, HashSet<IActorRef>> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoomHistory> _history = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IReadOnlySet<string> _nodes = new HashSet<string>();

    public RoomsActor(RoomsSettings settings)
    {
        _historySize = settings.History;
        Receive<JoinLocal>(OnJoin);
        Receive<LeaveLocal>(m =>
        {
            var was = _members.TryGetValue(m.Room, out var set) && set.Remove(m.Session);
            m.Session.Tell(new RoomLeft(m.Id, m.Room, was));
        });
        Receive<LeaveAll>(m =>
        {
            foreach (var set in _members.Values) set.Remove(m.Session);
        });
        Receive<RoomsQuery>(m => m.Session.Tell(new RoomsList(m.Id, [.. Rooms()])));
        Receive<Fanout>(OnFanout);
        Receive<PresenceChanged>(m => _nodes = m.Nodes);
    }

    public static Props Props(RoomsSettings settings) => Akka.Actor.Props.Create(() => new RoomsActor(settings));

    private void OnJoin(JoinLocal m)
    {
        if (!_members.TryGetValue(m.Room, out var set)) _members[m.Room] = set = [];
        // Joining again changes nothing and replays nothing.
        if (!set.Add(m.Session))
        {
            m.Session.Tell(new RoomJoined(m.Id, m.Room, [], AlreadyMember: true));
            return;
        }
        m.Session.Tell(new RoomJoined(m.Id, m.Room, _history.TryGetValue(m.Room, out var h) ? h.ToArray() : []));
    }

    private void OnFanout(Fanout m)
    {
        if (m.Room is null || !NodeTrust.IsNode(Sender, _nodes))
        {
            _log.Warning("refused a room message from {0}", Sender.Path);
            return;
        }
        if (!_history.TryGetValue(m.Room, out var history)) _history[m.Room] = history = new RoomHistory(_historySize);
        history.Add(m.From, m.Text);
        if (_members.TryGetValue(m.Room, out var set))
            foreach (var session in set) session.Forward(m);
    }

    private IEnumerable<RoomEntry> Rooms() =>
        _members.Keys.Union(_history.Keys)
            .Order(StringComparer.Ordinal)
            .Select(r => new RoomEntry(r, _members.TryGetValue(r, out var s) ? s.Count : 0, _history.TryGetValue(r, out var h) ? h.Count : 0));
}
