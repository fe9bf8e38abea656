using Akka.Actor;
using Akka.Event;

namespace Switchboard.Server.Rooms;

/// <summary>
/// This node's rooms: which local sessions are in which room, and each room's last messages. Every room
/// message is fanned out to every node, so each node keeps the same recent history and replays it to a
/// local client who joins. History lives in memory: a restarted node starts with empty rooms.
/// <para>It enforces its own limits whoever asks: room names and texts are checked here too (not only by
/// sessions), the number of rooms is capped (a room nobody here is in gives its place to a new one, the least recently
/// used first, so rooms created and left cannot fill the node), each client is in a bounded number of rooms, one host's
/// clients open at most so many rooms no one else is in, and each history is bounded in messages and bytes. Room messages are taken only from this node's registry or its door for
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
    // Each member's host, and per host how many of its clients are in each room: a room whose members all count under one
    // host is that host's alone.
    private readonly Dictionary<IActorRef, string> _hostOf = [];
    private readonly Dictionary<string, Dictionary<string, int>> _hostRooms = new(StringComparer.Ordinal);
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
            if (was)
            {
                Count(m.Session, -1);
                HostLeft(m.Session, m.Room);
            }
            m.Session.Tell(new RoomLeft(m.Id, m.Room, was));
        });
        Receive<LeaveAll>(m =>
        {
            foreach (var (room, set) in _members)
            {
                if (!set.Remove(m.Session)) continue;
                HostLeft(m.Session, room);
                if (set.Count == 0) _members.Remove(room);
            }
            _joined.Remove(m.Session);
            _hostOf.Remove(m.Session);
        });
        Receive<RoomsQuery>(m => m.Session.Tell(new RoomsList(m.Id, [.. Rooms()])));
        Receive<Fanout>(OnFanout);
    }

    public static Props Props(RoomsSettings settings, IActorRef registry, string? doorName) =>
        Akka.Actor.Props.Create(() => new RoomsActor(settings, registry, doorName));

    private int RoomCount => _members.Count + _history.Keys.Count(k => !_members.ContainsKey(k));

    private bool Known(string room) => _members.ContainsKey(room) || _history.ContainsKey(room);

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
        // A room no one here is in yet is a new place this host's clients would hold alone.
        if (set is not { Count: > 0 } && HeldAlone(m.Host) >= _settings.PerHost)
        {
            m.Session.Tell(new RoomRefused(m.Id, m.Room, Codes.RateLimited,
                $"clients of your host are the only ones in {_settings.PerHost} rooms on this node already; join one others are in, or leave one first"));
            return;
        }
        if (!HasPlaceFor(m.Room))
        {
            m.Session.Tell(new RoomRefused(m.Id, m.Room, Codes.Unavailable,
                $"this node already keeps {_settings.MaxRooms} rooms, each with someone in it; try again later"));
            return;
        }
        if (set is null) _members[m.Room] = set = [];
        set.Add(m.Session);
        Count(m.Session, +1);
        _hostOf[m.Session] = m.Host;
        if (!_hostRooms.TryGetValue(m.Host, out var hostRooms)) _hostRooms[m.Host] = hostRooms = new(StringComparer.Ordinal);
        hostRooms[m.Room] = hostRooms.GetValueOrDefault(m.Room) + 1;
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
        if (!_history.TryGetValue(m.Room, out var history))
        {
            // A room nobody here has joined is kept only while there is room for it.
            if (!HasPlaceFor(m.Room)) return;
            _history[m.Room] = history = new RoomHistory(_settings.History, _settings.HistoryBytes);
        }
        history.Add(m.From, m.Text);
        history.LastUsed = ++_uses;
        if (!_members.TryGetValue(m.Room, out var set)) return;
        var handed = new Handed(m);
        foreach (var session in set) session.Forward(handed);
    }

    // A known room has its place; a new one takes a free place, or that of the least recently used room nobody here is
    // in (its replay history on this node goes with it).
    private bool HasPlaceFor(string room)
    {
        if (Known(room) || RoomCount < _settings.MaxRooms) return true;
        string? idlest = null;
        var oldest = long.MaxValue;
        foreach (var (name, history) in _history)
            if (!_members.ContainsKey(name) && history.LastUsed < oldest)
                (idlest, oldest) = (name, history.LastUsed);
        if (idlest is null) return false;
        _history.Remove(idlest);
        return true;
    }

    // Rooms whose members here are all this host's clients (a pass over the host's rooms only; joins are rate-limited).
    private int HeldAlone(string host)
    {
        if (!_hostRooms.TryGetValue(host, out var rooms)) return 0;
        var n = 0;
        foreach (var (room, count) in rooms)
            if (_members.TryGetValue(room, out var set) && set.Count == count) n++;
        return n;
    }

    private void HostLeft(IActorRef session, string room)
    {
        if (!_hostOf.TryGetValue(session, out var host) || !_hostRooms.TryGetValue(host, out var rooms)) return;
        var n = rooms.GetValueOrDefault(room) - 1;
        if (n > 0) rooms[room] = n;
        else rooms.Remove(room);
        if (rooms.Count == 0) _hostRooms.Remove(host);
    }

    private void Count(IActorRef session, int by)
    {
        var n = _joined.GetValueOrDefault(session) + by;
        if (n > 0) _joined[session] = n;
        else _joined.Remove(session);
    }

    private IEnumerable<RoomEntry> Rooms() =>
        _members.Keys.Union(_history.Keys)
            .Order(StringComparer.Ordinal)
            .Select(r => new RoomEntry(r, _members.TryGetValue(r, out var s) ? s.Count : 0, _history.TryGetValue(r, out var h) ? h.Count : 0));
}
