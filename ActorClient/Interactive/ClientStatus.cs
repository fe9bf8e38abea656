using System.Collections.Concurrent;
using Spectre.Console;

namespace Switchboard.Client.Interactive;

/// <summary>
/// What the status line, the completion and the chat view show: this client's node, whether it is online,
/// its presence setting, who is online and which rooms it joined. Written by the client actor's events and
/// the prompt's replies, read by the console thread.
/// </summary>
public sealed class ClientStatus(string name, string node)
{
    private readonly ConcurrentDictionary<string, byte> _online = new(StringComparer.Ordinal);
    // Room names are told apart by case, as the server does.
    private readonly ConcurrentDictionary<string, byte> _rooms = new(StringComparer.Ordinal);
    // Shown in the status line: the server's words, cleaned as peers' texts are (Notices.Printable).
    private volatile string _node = Notices.Printable(node);
    private volatile bool _connected = true;
    private volatile bool _presence = true;
    private volatile bool _refused;

    public string Name => name;
    public string Node { get => _node; set => _node = Notices.Printable(value); }
    public bool Connected { get => _connected; set => _connected = value; }
    public bool Presence { get => _presence; set => _presence = value; }

    /// <summary>The server refused the name for good (the client tries no more).</summary>
    public bool Refused { get => _refused; set => _refused = value; }

    public IReadOnlyList<string> Online => _online.Keys.Order(StringComparer.Ordinal).ToArray();
    public IReadOnlyList<string> Rooms => _rooms.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>One line: "alice @ 127.0.0.1:4053 · online · notices on".</summary>
    public string Line => $"{name} @ {_node} · {State} · notices {(_presence ? "on" : "off")}";

    private string State => _refused ? "name refused" : _connected ? "online" : "reconnecting";

    /// <summary><see cref="Line"/> within <paramref name="columns"/>: whole phrases left out, the least needed first (the
    /// notices, then the node), never one cut in the middle (at 40 columns the chat view's status row read "alice @
    /// 127.0.0.1:4053 · onl"); a name too long even for "NAME · online" ends in "…".</summary>
    public string LineWithin(int columns)
    {
        var line = Line;
        if (line.GetCellWidth() <= columns) return line;
        var state = State;
        foreach (var shorter in (string[])[$"{name} @ {_node} · {state}", $"{name} · {state}"])
            if (shorter.GetCellWidth() <= columns) return shorter;
        var room = columns - $"… · {state}".GetCellWidth();
        if (room < 1) return state.Length <= columns ? state : "";
        var cut = name;
        while (cut.Length > 0 && cut.GetCellWidth() > room) cut = cut[..^1];
        return $"{cut}… · {state}";
    }

    // The names as the server sent them were offered by Tab and put into the input row: cleaned like its other words.
    public void SetOnline(IEnumerable<string> names)
    {
        _online.Clear();
        foreach (var n in names) _online[Notices.Printable(n)] = 0;
    }

    public void Joined(string who) => _online[Notices.Printable(who)] = 0;
    public void Left(string who) => _online.TryRemove(Notices.Printable(who), out _);

    /// <summary>Where the rooms are kept for the next run (none: not kept).</summary>
    public RememberedRooms? Remembered { get; init; }

    public void JoinedRoom(string room)
    {
        if (_rooms.TryAdd(Normal(room), 0)) Remembered?.Save(Rooms);
    }

    public void LeftRoom(string room)
    {
        if (_rooms.TryRemove(Normal(room), out _)) Remembered?.Save(Rooms);
    }

    /// <summary>A new session after a reconnect is in no room until the catch-up joins them again; the file keeps them.</summary>
    public void ForgetRooms() => _rooms.Clear();

    private static string Normal(string room) => room.StartsWith('#') ? room : "#" + room;
}
