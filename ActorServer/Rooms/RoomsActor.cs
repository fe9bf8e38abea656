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
    // The rooms each local session is in (its own come first in its list; its end leaves just those).
    private readonly Dictionary<IActorRef, HashSet<string>> _joined = [];
    // The rooms with members here, the busiest first, then by name: a list reads its head. Ranking every room at each
    // `rooms` made a list cost in proportion to the rooms, which one host makes for nothing (1,024 names in 32 each):
    // two names asking in a loop kept this actor busy and others' room messages waited behind (a hostile tester's finding).
    private readonly SortedSet<(int Members, string Room)> _busiest = new(Comparer<(int Members, string Room)>.Create(
        (a, b) => a.Members != b.Members ? b.Members.CompareTo(a.Members) : string.CompareOrdinal(a.Room, b.Room)));
    private long _uses;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RoomsActor(RoomsSettings settings, IActorRef registry, string? doorName)
    {
        _settings = settings;
        _registry = registry;
        _doorName = doorName;
        Receive<JoinLocal>(OnJoin);
        Receive<LeaveLocal>(m => m.Session.Tell(new RoomLeft(m.Id, m.Room, Leave(m.Session, m.Room, _joined.GetValueOrDefault(m.Session)))));
        Receive<LeaveAll>(m =>
        {
            if (!_joined.Remove(m.Session, out var rooms)) return;
            foreach (var room in rooms) Leave(m.Session, room, null);
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
        if (_joined.TryGetValue(m.Session, out var mine) && mine.Count >= _settings.PerClient)
        {
            m.Session.Tell(new RoomRefused(m.Id, m.Room, Codes.RateLimited,
                $"a client may be in at most {_settings.PerClient} rooms at once; leave one first"));
            return;
        }
        if (set is null) _members[m.Room] = set = [];
        set.Add(m.Session);
        Ranked(m.Room, set.Count - 1, set.Count);
        if (mine is null) _joined[m.Session] = mine = new HashSet<string>(StringComparer.Ordinal);
        mine.Add(m.Room);
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

    // Whether the session was in the room; the room's place among the busiest, and the session's own rooms (when given), follow.
    private bool Leave(IActorRef session, string room, HashSet<string>? rooms)
    {
        if (!_members.TryGetValue(room, out var set) || !set.Remove(session)) return false;
        if (set.Count == 0) _members.Remove(room);
        Ranked(room, set.Count + 1, set.Count);
        if (rooms is not null && rooms.Remove(room) && rooms.Count == 0) _joined.Remove(session);
        return true;
    }

    // The room's place among the busiest follows its members, from `was` to `now` (a room with none has no place).
    private void Ranked(string room, int was, int now)
    {
        if (was > 0) _busiest.Remove((was, room));
        if (now > 0) _busiest.Add((now, room));
    }

    /// <summary>Rooms one answer lists at most: rooms with members are bounded only by the clients (each in 32 at most),
    /// and a list of all of them would be past the largest frame the transport carries.</summary>
    public const int MaxListed = 256;

    // The asker's rooms first, then the busiest, then rooms with a replay here and nobody in them (by name), MaxListed at
    // most; in name order. Read from the head of the busiest: it costs the same whatever the number of rooms.
    private IEnumerable<RoomEntry> Rooms(IActorRef asker)
    {
        var mine = _joined.GetValueOrDefault(asker);
        List<string> listed = mine is null ? [] : [.. mine.OrderByDescending(r => _members[r].Count).ThenBy(r => r, StringComparer.Ordinal).Take(MaxListed)];
        foreach (var (_, room) in _busiest)
        {
            if (listed.Count >= MaxListed) break;
            if (mine?.Contains(room) != true) listed.Add(room);
        }
        if (listed.Count < MaxListed)
            listed.AddRange(_history.Keys.Where(r => !_members.ContainsKey(r)).Order(StringComparer.Ordinal).Take(MaxListed - listed.Count));
        return listed.Order(StringComparer.Ordinal)
            .Select(r => new RoomEntry(r, _members.TryGetValue(r, out var s) ? s.Count : 0, _history.TryGetValue(r, out var h) ? h.Count : 0));
    }
}
