using Switchboard.Messages;

namespace Switchboard.Client;

/// <summary>The seed's menu, in the seed's order first (1. Send request: arithmetic, even/odd, prime,
/// negative · 2. Unregister · 3. Exit), then the new ones: who, direct message, broadcast, rooms.</summary>
public sealed class MenuRunner(Connection connection, IMenuUi ui)
{
    private static readonly string[] MainChoices =
    [
        "Send request", "Unregister", "Exit", "Who is online", "Direct message", "Broadcast to everyone",
        "Rooms", "Presence notices on/off",
    ];
    private static readonly string[] RequestChoices =
        ["Arithmetic (+ - * / %)", "Even or odd", "Prime", "Negative", "Other operation by name", "Back"];
    private static readonly string[] RoomChoices = ["Join a room", "Say in a room", "Leave a room", "List rooms", "Back"];
    private static readonly string[] Operators = ["+", "-", "*", "/", "%"];
    private bool _presence = true;

    public async Task<int> RunAsync()
    {
        while (true)
        {
            switch (ui.Choose("What would you like to do?", MainChoices))
            {
                case 0: await SendRequestAsync(); break;
                case 1: return await LeaveAsync("Unregistered");
                case 2 or null: return await LeaveAsync("Name freed");
                case 3: await WhoAsync(); break;
                case 4: await DirectAsync(); break;
                case 5: await BroadcastAsync(); break;
                case 6: await RoomsAsync(); break;
                case 7: await PresenceAsync(); break;
            }
        }
    }

    private async Task SendRequestAsync()
    {
        var (op, args) = ui.Choose("Which request?", RequestChoices) switch
        {
            0 => ("calc", AskArithmetic()),
            1 => ("even", AskOne("Number:")),
            2 => ("prime", AskOne("Number:")),
            3 => ("negative", AskOne("Number:")),
            4 => AskOperation(),
            _ => (null, null),
        };
        if (op is null || args is null) return;
        // The person sees what they asked, e.g. "12 * 7 = 84" or "prime 97 = true".
        var label = (op == "calc" ? string.Join(' ', args) : $"{op} {string.Join(' ', args)}").Trim();
        Show(label, await connection.RequestAsync(op, args));
    }

    private string[]? AskOne(string prompt) => ui.Ask(prompt) is { } n ? [n] : null;

    private string[]? AskArithmetic()
    {
        if (ui.Ask("First number:") is not { } first) return null;
        if (ui.Choose("Operator:", Operators) is not { } op) return null;
        return ui.Ask("Second number:") is { } second ? [first, Operators[op], second] : null;
    }

    private (string?, string[]?) AskOperation()
    {
        var words = ui.Ask("Operation and arguments (e.g. add 2 3):")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words is null || words.Length == 0 ? (null, null) : (words[0], words[1..]);
    }

    private async Task WhoAsync()
    {
        var r = await connection.SendAsync(id => new Who(id));
        if (r is WhoReply { Code: Codes.Ok } w)
            ui.Table($"{w.Clients.Length} online", ["name", "node", "since"],
                w.Clients.Select(c => new[] { c.Name, c.Node, DateTimeOffset.FromUnixTimeMilliseconds(c.SinceMs).ToLocalTime().ToString("HH:mm:ss") }));
        else Show("who", r);
    }

    private async Task DirectAsync()
    {
        if (ui.Ask("To (name):") is not { Length: > 0 } to || ui.Ask("Message:") is not { } text) return;
        Show($"to {to}", await connection.SendAsync(id => new Tell(id, to, text)));
    }

    private async Task BroadcastAsync()
    {
        if (ui.Ask("Message to everyone:") is not { } text) return;
        Show("broadcast", await connection.SendAsync(id => new Say(id, null, text)), r => $"sent to {Output.ResultText(r)} client(s)");
    }

    private async Task RoomsAsync()
    {
        switch (ui.Choose("Rooms", RoomChoices))
        {
            case 0 when ui.Ask("Room to join (e.g. #games):") is { Length: > 0 } room:
                Show($"join {room}", await connection.SendAsync(id => new JoinRoom(id, room)));
                break;
            case 1 when ui.Ask("Room:") is { Length: > 0 } room && ui.Ask("Message:") is { } text:
                Show($"say in {room}", await connection.SendAsync(id => new Say(id, room.StartsWith('#') ? room : "#" + room, text)));
                break;
            case 2 when ui.Ask("Room to leave:") is { Length: > 0 } room:
                Show($"leave {room}", await connection.SendAsync(id => new LeaveRoom(id, room)));
                break;
            case 3:
                var r = await connection.SendAsync(id => new ListRooms(id));
                if (r is RoomsReply { Code: Codes.Ok } rooms)
                    ui.Table($"{rooms.Rooms.Length} room(s)", ["room", "members here", "recent messages"],
                        rooms.Rooms.Select(x => new[] { x.Name, x.Members.ToString(), x.History.ToString() }));
                else Show("rooms", r);
                break;
        }
    }

    private async Task PresenceAsync()
    {
        var wanted = !_presence;
        var r = await connection.SendAsync(id => new SetPresence(id, wanted));
        if (r.Code == Codes.Ok) _presence = wanted; // a failed toggle leaves the setting as the server has it
        Show("presence notices", r, _ => wanted ? "on" : "off");
    }

    private void Show(string label, IReply r, Func<IReply, string>? describe = null)
    {
        var seq = $"(clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq})";
        if (r.Code == Codes.Ok) ui.Good($"{label} = {describe?.Invoke(r) ?? Output.ResultText(r)}  {seq}");
        else if (r.Code == Codes.Unreachable) ui.Bad($"{label}: {r.Error}");
        else ui.Bad($"{label}: {r.Code} {r.Error}  {seq}");
    }

    private async Task<int> LeaveAsync(string done)
    {
        if (connection.IsLost)
        {
            ui.Bad("The server is unreachable; leaving without unregistering (it frees the name when it sees us gone).");
            return ExitCodes.Unreachable;
        }
        var r = await connection.UnregisterAsync();
        if (r.Code != Codes.Ok)
        {
            ui.Bad($"unregister: {r.Error}");
            return ExitCodes.Unreachable;
        }
        ui.Info($"{done} [clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq}]. Bye.");
        return ExitCodes.Ok;
    }
}
