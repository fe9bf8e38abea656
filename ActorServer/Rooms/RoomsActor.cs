using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Rooms;

/// <summary>
/// This node's rooms: which local sessions are in which room, and each room's last messages. Every room
/// message is fanned out to every node, so each node keeps the same recent history and replays it to a
/// local client who joins. History lives in memory: a restarted node starts with empty rooms.
/// <para>It enforces its own limits whoever asks: room names and texts are checked here too (not only by
/// sessions), each client is in a bounded number of rooms (so rooms with members are bounded by the clients), the
/// replay histories kept are capped in number (a room nobody here is in gives its place to a new one, the least
/// recently used first; while every place is a room with members, a new room has no replay here, but is joined and
/// works all the same, so nobody holding many rooms keeps anyone else out of a new one), and each history is bounded in
/// messages and bytes. Room messages are taken only from this node's registry or its door for
/// the other nodes.</para>
/// </summary>
public sealed class RoomsActor : ReceiveActor
{
    private readonly RoomsSettings _settings;
    private readonly IActorRef _registry;
    private readonly string? _doorName;
    private readonly Dictionary<string, HashSet<IActorRef>> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoomHistory> _history = new(StringComparer.Ordinal);
    // How many rooms each local session is in.
    private readonly Dictionary<IActorRef, int> _joined = [];
    private long _uses;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RoomsActor(RoomsSettings settings, IActorRef registry, string? doorName)
    {
        _settings = settings;
        _registry = registry;
        _doorName = doorName;
        Receive<JoinLocal>(OnJoin);
        Receive<LeaveLocal>(m =>
        {
            var was = _members.TryGetValue(m.Room, out var set) && set.Remove(m.Session);
            if (set is { Count: 0 }) _members.Remove(m.Room);
            if (was) Count(m.Session, -1);
            m.Session.Tell(new RoomLeft(m.Id, m.Room, was));
        });
        Receive<LeaveAll>(m =>
        {
            foreach (var (room, set) in _members)
                if (set.Remove(m.Session) && set.Count == 0) _members.Remove(room);
            _joined.Remove(m.Session);
        });
        Receive<RoomsQuery>(m => m.Session.Tell(new RoomsList(m.Id, [.. Rooms(m.Session)])));
        Receive<Fanout>(OnFanout);
    }

    public static Props Props(RoomsSettings settings, IActorRef registry, string? doorName) =>
        Akka.Actor.Props.Create(() => new RoomsActor(settings, registry, doorName));

    private void OnJoin(JoinLocal m)
    {
        if (ChatRules.NormalizeRoom(m.Room) != m.Room)
        {
            m.Session.Tell(new RoomRefused(m.Id, m.Room, Codes.Invalid, "bad room name"));
            return;
        }
        // Joining again changes nothing and replays nothing.
        if (_members.TryGetValue(m.Room, out var set) && set.Contains(m.Session))
        {
            m.Session.Tell(new RoomJoined(m.Id, m.Room, [], AlreadyMember: true));
            return;
        }
        if (_joined.GetValueOrDefault(m.Session) >= _settings.PerClient)
        {
            m.Session.Tell(new RoomRefused(m.Id, m.Room, Codes.RateLimited,
                $"a client may be in at most {_settings.PerClient} rooms at once; leave one first"));
            return;
        }
        if (set is null) _members[m.Room] = set = [];
        set.Add(m.Session);
        Count(m.Session, +1);
        if (_history.TryGetValue(m.Room, out var h)) h.LastUsed = ++_uses;
        m.Session.Tell(new RoomJoined(m.Id, m.Room, h?.ToArray() ?? []));
    }

    private void OnFanout(Fanout m)
    {
        var fromNode = Sender.Equals(_registry) || (_doorName is not null && Sender.Path.Name == _doorName && !Sender.Path.Address.HasGlobalScope);
        if (!fromNode || m.Room is null || ChatRules.NormalizeRoom(m.Room) != m.Room || Limits.NameError(m.From) is not null || ChatRules.TextError(m.Text) is not null)
        {
            _log.Warning("refused a room message from {0}", Sender.Path);
            return;
        }
        // A replay history is kept while there is a place for it (a room with members here goes on without one).
        if (_history.TryGetValue(m.Room, out var history) || HasPlace())
        {
            if (history is null) _history[m.Room] = history = new RoomHistory(_settings.History, _settings.HistoryBytes);
            history.Add(m.From, m.Text);
            history.LastUsed = ++_uses;
        }
        if (!_members.TryGetValue(m.Room, out var set)) return;
        var handed = new Handed(m);
        foreach (var session in set) session.Forward(handed);
    }

    // A new replay history takes a free place, or that of the least recently used room nobody here is in (its replay
    // history on this node goes with it).
    private bool HasPlace()
    {
        if (_history.Count < _settings.MaxRooms) return true;
        string? idlest = null;
        var oldest = long.MaxValue;
        foreach (var (name, history) in _history)
            if (!_members.ContainsKey(name) && history.LastUsed < oldest)
                (idlest, oldest) = (name, history.LastUsed);
        if (idlest is null) return false;
        _history.Remove(idlest);
        return true;
    }

    private void Count(IActorRef session, int by)
    {
        var n = _joined.GetValueOrDefault(session) + by;
        if (n > 0) _joined[session] = n;
        else _joined.Remove(session);
    }

    /// <summary>Rooms one answer lists at most: rooms with members are bounded only by the clients (each in 32 at most),
    /// and a list of all of them would be past the largest frame the transport carries.</summary>
    public const int MaxListed = 256;

    // The asker's rooms first, then the busiest, MaxListed at most; in name order.
    private IEnumerable<RoomEntry> Rooms(IActorRef asker) =>
        _members.Keys.Union(_history.Keys)
            .Select(r => (Room: r, Members: _members.TryGetValue(r, out var s) ? s : null))
            .OrderByDescending(r => r.Members?.Contains(asker) == true)
            .ThenByDescending(r => r.Members?.Count ?? 0)
            .ThenBy(r => r.Room, StringComparer.Ordinal)
            .Take(MaxListed)
            .OrderBy(r => r.Room, StringComparer.Ordinal)
            .Select(r => new RoomEntry(r.Room, r.Members?.Count ?? 0, _history.TryGetValue(r.Room, out var h) ? h.Count : 0));
}
