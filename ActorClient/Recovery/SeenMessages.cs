namespace Switchboard.Client.Recovery;

/// <summary>What a pushed message is to show as.</summary>
public enum Showing
{
    /// <summary>As it came.</summary>
    AsIs,
    /// <summary>Marked as missed: a room's replay after a reconnect that holds what came while the client was away.</summary>
    Missed,
    /// <summary>Not at all: already shown (before the connection dropped, or by the catch-up).</summary>
    Hidden,
}

/// <summary>
/// What this client has seen, across reconnects (it outlives each actor system): the rooms it is in and its presence
/// setting (what a new session forgets), and per conversation the kept message ids it was shown (a room, or for a
/// reserved name the DMs with one person; a message carries an id only where the server keeps it, so a guest's DMs are
/// never tracked) or was told of (ids it marked read, history it was shown). At a reconnect <see cref="BeginCatchUp"/>
/// says where to ask history from: a little before the newest id seen, since two senders' messages to a room may arrive
/// out of id order and the connection may drop between them, but never before the first id this process saw of the
/// conversation nor at or below one it was told of: older ones came before it was watching (to an earlier process, say),
/// not while the connection was down. The recent ids seen are remembered, so nothing is shown twice. Until the next reconnect it keeps the ids shown since, so a message that
/// comes both live (or in the room's replay) and in the catch-up is shown once. Thread-safe: written by the client
/// actor's events and the catch-up's task.
/// </summary>
public sealed class SeenMessages(string name)
{
    /// <summary>Conversations whose ids are remembered; past it the one seen least recently is forgotten.</summary>
    public const int MaxConversations = 256;
    /// <summary>How far before the newest id seen a catch-up asks from (and how many recent ids are remembered).</summary>
    public const int Margin = 32;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Track> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Catching> _catching = new(StringComparer.Ordinal);
    private long _touches, _missedInReplays;
    private bool _presenceOn = true;

    public string Name => name;

    /// <summary>Messages shown as missed from rooms' replays since the last <see cref="BeginCatchUp"/>.</summary>
    public long MissedInReplays
    {
        get
        {
            lock (_gate) return _missedInReplays;
        }
    }

    /// <summary>A reply to one of this client's requests: joins and leaves change the rooms it is in, a presence
    /// setting is kept, and a read marker or a page of history tells of ids not to show as missed later.</summary>
    public void Answered(ISwitchboardMessage sent, IReply reply)
    {
        lock (_gate)
        {
            switch (sent)
            {
                case SetPresence p when reply.Code == Codes.Ok:
                    _presenceOn = p.On;
                    break;
                case ChatCommand { Verb: "markread", Args: [var conversation, var id] } when reply.Code == Codes.Ok && long.TryParse(id, out var upTo):
                    Told(conversation.StartsWith('#') ? Room(conversation) : conversation, upTo);
                    break;
                case HistoryQuery when reply is HistoryReply { Code: Codes.Ok, Messages: [_, ..] } h:
                    Told(h.Conversation, h.Messages.Max(l => l.Id));
                    break;
                case JoinRoom j when reply.Code == Codes.Ok:
                    _rooms.Add(Room(j.Room));
                    break;
                case LeaveRoom l when reply.Code is Codes.Ok or Codes.Invalid:
                    var room = Room(l.Room);
                    _rooms.Remove(room);
                    _seen.Remove(room);
                    _catching.Remove(room);
                    break;
            }
        }
    }

    /// <summary>A pushed message: how to show it (and, kept ones, remembered as seen).</summary>
    public Showing Pushed(Incoming m)
    {
        if (m.MsgId <= 0 || Conversation(m) is not { } conversation) return Showing.AsIs;
        lock (_gate)
        {
            var showing = Showing.AsIs;
            if (_catching.TryGetValue(conversation, out var c))
            {
                // During the catch-up every id shown counts (what was seen before the drop among them). After it, only a
                // late live copy of one it showed (once: the set no longer grows); a room joined again later replays as
                // joining does.
                if (c.Done)
                {
                    if (!m.Replay && c.Shown.Remove(m.MsgId)) return Showing.Hidden;
                }
                // The client's own messages (a room replays them) were never missed.
                else if (m.MsgId <= c.After || !c.Shown.Add(m.MsgId) || m.From == name) return Showing.Hidden;
                else if (m.Replay)
                {
                    showing = Showing.Missed;
                    _missedInReplays++;
                }
            }
            Saw(conversation, m.MsgId);
            return showing;
        }
    }

    /// <summary>The connection is back: the rooms to join again and, per conversation, where to ask history from.</summary>
    public CatchUpPlan BeginCatchUp()
    {
        lock (_gate)
        {
            _catching.Clear();
            _missedInReplays = 0;
            var rooms = _rooms.Order(StringComparer.Ordinal).ToArray();
            // A room this process saw nothing of keeps After 0: its join replayed nothing, so all of its history is newer
            // than the join, and a member who saw none of it live missed it. A DM conversation never seen is not asked:
            // what came for a reserved name while its session was gone is held and handed over at login.
            var dms = _seen.Keys.Where(k => !k.StartsWith('#')).Order(StringComparer.Ordinal);
            var points = new List<CatchUpPoint>();
            foreach (var conversation in rooms.Concat(dms))
            {
                var track = _seen.GetValueOrDefault(conversation);
                var newest = track?.Newest ?? 0;
                var watched = track is null || track.First == long.MaxValue ? 0 : track.First - 1;
                var after = track is null ? 0 : Math.Max(Math.Max(0, newest - Margin), Math.Max(track.Told, watched));
                var catching = _catching[conversation] = new Catching(after);
                if (track is not null) catching.Shown.UnionWith(track.Recent);
                points.Add(new CatchUpPoint(conversation, after, newest));
            }
            return new CatchUpPlan(rooms, [.. points], _presenceOn);
        }
    }

    /// <summary>A message the catch-up found: true when it is to be shown (not shown already, not this client's own).</summary>
    public bool Recovered(string conversation, ChatLine line)
    {
        lock (_gate)
        {
            if (!_catching.TryGetValue(conversation, out var c) || c.Done || line.Id <= c.After || !c.Shown.Add(line.Id)) return false;
            Saw(conversation, line.Id);
            return line.From != name;
        }
    }

    /// <summary>The catch-up of <paramref name="conversation"/> ended (or could not be done): live messages flow as usual.</summary>
    public void CaughtUp(string conversation)
    {
        lock (_gate)
        {
            if (_catching.TryGetValue(conversation, out var c)) c.Done = true;
        }
    }

    /// <summary>A room could not be joined again: the client is no longer in it.</summary>
    public void LostRoom(string room)
    {
        lock (_gate)
        {
            _rooms.Remove(room);
            _catching.Remove(room);
        }
    }

    /// <summary>The presence setting this client last had confirmed (on unless it turned notices off).</summary>
    public bool PresenceOn
    {
        get
        {
            lock (_gate) return _presenceOn;
        }
    }

    // A room's messages by room; a DM by the other party (only pushed ones carry ids: the sender is the other party).
    private static string? Conversation(Incoming m) => m.Room ?? (m.Direct ? m.From : null);

    private static string Room(string room) => room.StartsWith('#') ? room : "#" + room;

    private void Saw(string conversation, long id)
    {
        var track = Tracked(conversation);
        track.First = Math.Min(track.First, id);
        track.Newest = Math.Max(track.Newest, id);
        track.Recent.Enqueue(id);
        if (track.Recent.Count > Margin) track.Recent.Dequeue();
    }

    // Ids up to upTo are known to the person (marked read, or shown by history): none of them is missed.
    private void Told(string conversation, long upTo)
    {
        var track = Tracked(conversation);
        track.Told = Math.Max(track.Told, upTo);
        track.Newest = Math.Max(track.Newest, upTo);
    }

    private Track Tracked(string conversation)
    {
        if (!_seen.TryGetValue(conversation, out var track))
        {
            if (_seen.Count >= MaxConversations
                && _seen.Where(x => !_rooms.Contains(x.Key)).OrderBy(x => x.Value.Touched).Select(x => x.Key).FirstOrDefault() is { } oldest)
                _seen.Remove(oldest);
            _seen[conversation] = track = new Track();
        }
        track.Touched = ++_touches;
        return track;
    }

    private sealed class Track
    {
        /// <summary>The lowest id this process was shown (long.MaxValue: none, only told of).</summary>
        public long First { get; set; } = long.MaxValue;
        /// <summary>The highest id marked read or shown by history.</summary>
        public long Told { get; set; }
        public long Newest { get; set; }
        public long Touched { get; set; }
        public Queue<long> Recent { get; } = new();
    }

    private sealed class Catching(long after)
    {
        public long After { get; } = after;
        public HashSet<long> Shown { get; } = [];
        public bool Done { get; set; }
    }
}

/// <summary>Where one conversation's catch-up starts: history after <paramref name="After"/>; <paramref name="Newest"/>
/// is the newest id seen before the drop (what retention trimmed past it was missed).</summary>
public sealed record CatchUpPoint(string Conversation, long After, long Newest);

/// <summary>What to recover after a reconnect: presence notices to turn off again unless <paramref name="PresenceOn"/> (the
/// server's default), <paramref name="Rooms"/> to join again, and each conversation (those rooms first, then DMs by the
/// other party's name) with where to ask history from.</summary>
public sealed record CatchUpPlan(string[] Rooms, CatchUpPoint[] Points, bool PresenceOn = true)
{
    public bool IsEmpty => PresenceOn && Rooms.Length == 0 && Points.Length == 0;
}
