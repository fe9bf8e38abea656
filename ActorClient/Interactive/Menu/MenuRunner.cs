namespace Switchboard.Client.Interactive.Menu;

/// <summary>The seed's menu, in the seed's order first (1. Send request: arithmetic, even/odd, prime,
/// negative · 2. Unregister · 3. Exit), then the new ones: who, direct message, broadcast, rooms, presence, history. The main
/// prompt also takes any scripted-mode command (<see cref="PromptLine"/>); the menu is shown once and on request.</summary>
/// <param name="prompted">The name's password when it was typed at a prompt (<c>--password</c>): <c>reserve</c> asks for it
/// again first. Null when it came from a file, or there is none.</param>
/// <param name="started">Run once the first answer (to <c>who</c>) is in, before the menu: the server pushes what arrived
/// while a reserved name was away before any answer, so what this says (the rooms joined again) always comes after
/// it, however long the server's store took (PostgreSQL in cluster mode was slower than SQLite, and the order flipped).</param>
public sealed class MenuRunner(Connection connection, IMenuUi ui, ClientStatus status, Credentials? prompted = null, Func<Task>? started = null)
{
    private const string Title = "What would you like to do?";
    private static readonly string[] MainChoices =
    [
        "Send request", "Unregister", "Exit", "Who is online", "Direct message", "Broadcast to everyone",
        "Rooms", "Presence notices on/off", "History of a room or a conversation",
    ];
    private static readonly string[] RequestChoices =
        ["Arithmetic (+ - * / %)", "Even or odd", "Prime", "Negative", "Other operation by name", "Back"];
    private static readonly string[] RoomChoices = ["Join a room", "Say in a room", "Leave a room", "List rooms", "Back"];
    private static readonly string[] Operators = ["+", "-", "*", "/", "%"];

    public static IReadOnlyList<string> Entries => MainChoices;

    // Said however one leaves without unregistering: a guest's name is free again, a reserved one is not.
    private const string Offline = "Offline (a guest's name is anyone's again; a reserved one stays yours)";

    public async Task<int> RunAsync()
    {
        await RefreshOnlineAsync();
        if (started is not null) await started();
        ui.Menu(Title, MainChoices);
        while (true)
        {
            var read = ui.ReadCommand();
            switch (read.Outcome)
            {
                case ReadOutcome.EndOfInput or ReadOutcome.Interrupted:
                    return await LeaveAsync(Offline);
                // Esc is easy to hit by accident: leaving by it is confirmed, the other ways are not.
                case ReadOutcome.Escape:
                    if (ui.Confirm("Leave Switchboard (you go offline)?")) return await LeaveAsync(Offline);
                    continue;
            }
            switch (PromptLine.Parse(read.Text, MainChoices.Length))
            {
                case MenuPick { Index: 1 }: return await LeaveAsync("Unregistered");
                case MenuPick { Index: 2 }: return await LeaveAsync(Offline);
                case MenuPick m: await PickAsync(m.Index); break;
                case ShowMenu: ui.Menu(Title, MainChoices); break;
                case ShowHelp: ui.Info(CommandHelp.PromptFor(ui.HelpWidth)); break;
                case PromptError e: ui.Bad(e.Error); break;
                case RunCommand { Command: UnregisterCommand }: return await LeaveAsync("Unregistered");
                case RunCommand { Command: ExitCommand }: return await LeaveAsync(Offline);
                case RunCommand { Command: WireCommand { Name: "reserve" } } when !Retyped(): break;
                case RunCommand { Command: WireCommand w }: await RunAsync(w); break;
                case RunCommand { Command: SleepCommand s }: await Task.Delay(s.Milliseconds); break;
            }
        }
    }

    // A password typed once without echo may hold a typo, and reserve would lock the name with it: it is typed again first.
    private bool Retyped()
    {
        if (prompted?.Password is not { } password) return true;
        var again = ui.AskSecret("Type your password again to reserve your name (Esc: back):");
        if (again is null) ui.Bad("reserve: not sent");
        else if (again != password) ui.Bad("reserve: the two passwords differ, nothing was reserved; if the first was mistyped, leave and start the client again");
        return again == password;
    }

    private Task PickAsync(int index) => index switch
    {
        0 => SendRequestAsync(),
        3 => WhoAsync(),
        4 => DirectAsync(),
        5 => BroadcastAsync(),
        6 => RoomsAsync(),
        7 => PresenceAsync(!status.Presence),
        _ => HistoryAsync(),
    };

    /// <summary>A command typed at the prompt: sent as scripted mode sends it, the reply shown as a sentence.</summary>
    private async Task RunAsync(WireCommand c)
    {
        ISwitchboardMessage? sent = null;
        var reply = await connection.SendAsync(id => sent = c.Make(id));
        // What the server pushed before its answer (a join's replay) is shown first, as scripted mode prints it.
        ui.ShowNotices();
        switch (sent)
        {
            case Who: ShowWho(reply); return;
            case HistoryQuery: ShowHistory(reply); return;
            case ListRooms: ShowRooms(reply); return;
            case SetPresence p when reply.Code == Codes.Ok: status.Presence = p.On; break;
            case JoinRoom j when reply.Code == Codes.Ok: status.JoinedRoom(j.Room); break;
            case LeaveRoom l when reply.Code == Codes.Ok: status.LeftRoom(l.Room); break;
        }
        var label = sent switch
        {
            Request r when c.Name == "calc" => string.Join(' ', r.Args),
            Request r => $"{r.Op} {string.Join(' ', r.Args)}".Trim(),
            Tell t => $"to {t.To}",
            Say { Room: null } => "broadcast",
            Say s => $"say in {s.Room}",
            JoinRoom j => $"join {j.Room}",
            LeaveRoom l => $"leave {l.Room}",
            SetPresence => "presence notices",
            _ => c.Name,
        };
        Show(label, reply, sent switch
        {
            Say { Room: null } => r => $"sent to {Output.ResultText(r)} client(s)",
            SetPresence p => _ => p.On ? "on" : "off",
            _ => null,
        });
    }

    private async Task SendRequestAsync()
    {
        // Esc in a request's questions goes back to this list; Esc here goes back to the main prompt.
        while (ui.Choose("Which request?", RequestChoices) is { } choice and < 5)
        {
            var (op, args) = choice switch
            {
                0 => ("calc", AskArithmetic()),
                1 => ("even", AskOne()),
                2 => ("prime", AskOne()),
                3 => ("negative", AskOne()),
                _ => AskOperation(),
            };
            if (op is null || args is null) continue;
            // The person sees what they asked, e.g. "12 * 7 = 84" or "prime 97 = true".
            var label = (op == "calc" ? string.Join(' ', args) : $"{op} {string.Join(' ', args)}").Trim();
            Show(label, await connection.RequestAsync(op, args));
            return;
        }
    }

    private string[]? AskOne() => AskNumber("Number:") is { } n ? [n] : null;

    private string[]? AskArithmetic()
    {
        if (AskNumber("First number:") is not { } first) return null;
        if (ui.Choose("Operator:", Operators) is not { } op) return null;
        return AskNumber("Second number:") is { } second ? [first, Operators[op], second] : null;
    }

    /// <summary>
    /// Re-asks until the answer is a signed 64-bit integer: a person hears about a typo at once. The server checks
    /// again (a hostile client skips this), so the text goes as typed.
    /// </summary>
    private string? AskNumber(string prompt)
    {
        while (ui.Ask(prompt) is { } typed)
        {
            if (long.TryParse(typed, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)) return typed;
            var digits = typed.TrimStart('-', '+');
            ui.Bad(digits.Length > 0 && digits.All(char.IsAsciiDigit)
                ? $"{Shorten(typed)} is out of range: numbers go from {long.MinValue} to {long.MaxValue}"
                : $"'{Shorten(typed)}' is not a whole number; try again (Esc: back)");
        }
        return null;
    }

    private (string?, string[]?) AskOperation()
    {
        var words = ui.Ask("Operation and arguments (e.g. add 2 3):")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words is null || words.Length == 0 ? (null, null) : (words[0], words[1..]);
    }

    private async Task RefreshOnlineAsync()
    {
        if (await connection.SendAsync(id => new Who(id)) is WhoReply { Code: Codes.Ok } w) status.SetOnline(w.Clients.Select(c => c.Name));
    }

    private async Task WhoAsync() => ShowWho(await connection.SendAsync(id => new Who(id)));

    private void ShowWho(IReply r)
    {
        if (r is WhoReply { Code: Codes.Ok } w)
        {
            status.SetOnline(w.Clients.Select(c => c.Name));
            // An unread column only for a reserved name with read markers: a guest's table is as it was.
            var unread = w.Clients.Any(c => c.Unread is not null);
            ui.Table(w.More > 0 ? $"{w.Clients.Length + w.More} online, the first {w.Clients.Length} listed" : $"{w.Clients.Length} online", unread ? ["name", "node", "since", "unread"] : ["name", "node", "since"],
                w.Clients.Select(c => new[] { Shown(c.Name), Shown(c.Node), DateTimeOffset.FromUnixTimeMilliseconds(c.SinceMs).ToLocalTime().ToString("HH:mm:ss") }
                    .Concat(unread ? [c.Unread?.ToString() ?? ""] : []).ToArray()));
        }
        else Show("who", r);
    }

    private void ShowRooms(IReply r)
    {
        if (r is RoomsReply { Code: Codes.Ok } rooms)
        {
            var unread = rooms.Rooms.Any(x => x.Unread is not null);
            ui.Table($"{rooms.Rooms.Length} room(s)", unread ? ["room", "members here", "recent messages", "unread"] : ["room", "members here", "recent messages"],
                rooms.Rooms.Select(x => new[] { Shown(x.Name), x.Members.ToString(), x.History.ToString() }.Concat(unread ? [x.Unread?.ToString() ?? ""] : []).ToArray()));
        }
        else Show("rooms", r);
    }

    private async Task HistoryAsync()
    {
        if (ui.Ask("Room (#name) or person:", Completes.Conversations) is not { Length: > 0 } conversation) return;
        ShowHistory(await connection.SendAsync(id => new HistoryQuery(id, conversation, HistoryAnchor.Latest, 0, CommandCatalog.DefaultHistoryCount)));
    }

    private void ShowHistory(IReply r)
    {
        if (r is HistoryReply { Code: Codes.Ok } h)
        {
            // Peers' texts, shown as their pushed messages are (a table of them broke the chat view's frame).
            ui.Table($"{Shown(h.Conversation)}: {h.Messages.Length} message(s)", ["id", "time", "from", "text"],
                h.Messages.Select(l => new[] { l.Id.ToString(), DateTimeOffset.FromUnixTimeMilliseconds(l.TimeMs).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), Shown(l.From), Shown(l.Text) }));
            // Under the table, not in its title: a title wider than a narrow table wraps inside it.
            if ($"{Output.HistoryNotes(h)}{MeantRoom(h)}".Trim() is { Length: > 0 } notes) ui.Info(Shown(notes));
        }
        else Show("history", r);
    }

    // `history lobby` reads the DMs with a person named lobby: none, while the client is in #lobby, says which it meant
    // (a new user read the empty page as the room's).
    private string MeantRoom(HistoryReply h) =>
        h is { LastId: 0, Messages.Length: 0 } && !h.Conversation.StartsWith('#') && status.Rooms.Contains("#" + h.Conversation)
            ? $" (did you mean #{h.Conversation}? a name without # is a person)"
            : "";

    private async Task DirectAsync()
    {
        if (ui.Ask("To (name):", Completes.OnlineNames) is not { Length: > 0 } to || ui.Ask("Message:") is not { } text) return;
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
                var joined = await connection.SendAsync(id => new JoinRoom(id, room));
                if (joined.Code == Codes.Ok) status.JoinedRoom(room);
                ui.ShowNotices(); // the room's replay, then the answer
                Show($"join {room}", joined);
                break;
            case 1 when ui.Ask("Room:", Completes.JoinedRooms) is { Length: > 0 } room && ui.Ask("Message:") is { } text:
                Show($"say in {room}", await connection.SendAsync(id => new Say(id, room.StartsWith('#') ? room : "#" + room, text)));
                break;
            case 2 when ui.Ask("Room to leave:", Completes.JoinedRooms) is { Length: > 0 } room:
                var left = await connection.SendAsync(id => new LeaveRoom(id, room));
                if (left.Code == Codes.Ok) status.LeftRoom(room);
                Show($"leave {room}", left);
                break;
            case 3:
                ShowRooms(await connection.SendAsync(id => new ListRooms(id)));
                break;
        }
    }

    private async Task PresenceAsync(bool wanted)
    {
        var r = await connection.SendAsync(id => new SetPresence(id, wanted));
        if (r.Code == Codes.Ok) status.Presence = wanted; // a failed toggle leaves the setting as the server has it
        Show("presence notices", r, _ => wanted ? "on" : "off");
    }

    private void Show(string label, IReply r, Func<IReply, string>? describe = null)
    {
        var seq = $"(clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq})";
        if (r.Code is Codes.Ok or Codes.Stored) ui.Good($"{label} = {Shown(describe?.Invoke(r) ?? Output.ResultText(r))}  {seq}");
        else if (r.Code == Codes.Unreachable) ui.Bad($"{label}: {Shown(r.Error)}");
        else ui.Bad($"{label}: {r.Code} {Shown(Output.ErrorText(r))}  {seq}");
    }

    /// <summary>What the server sent (an error, a value, a name, a stored text) as peers' texts are shown: its control
    /// characters never drive the terminal. The server refuses most of them; a misbehaving one, or a man in the middle
    /// without TLS, could send an escape sequence all the same. The client's own wording needs none of this.</summary>
    private static string Shown(string? text) => Notices.Printable(text ?? "");

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private async Task<int> LeaveAsync(string done)
    {
        if (connection.Refusal is { } refused)
        {
            ui.Bad($"The server refused the name ({Shown(refused)}); leaving.");
            return ExitCodes.Rejected;
        }
        if (connection.IsLost)
        {
            ui.Bad("The server is unreachable; leaving without unregistering (it frees the name when it sees us gone).");
            return ExitCodes.Unreachable;
        }
        var r = await connection.UnregisterAsync();
        if (r.Code != Codes.Ok)
        {
            ui.Bad($"unregister: {Shown(r.Error)}");
            return ExitCodes.Unreachable;
        }
        ui.Info($"{done} [clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq}]. Bye.");
        return ExitCodes.Ok;
    }
}
