using Switchboard.Messages;

namespace Switchboard.Client;

/// <summary>The seed's menu, in the seed's order: 1. Send request (arithmetic, even/odd, prime,
/// negative), 2. Unregister, 3. Exit.</summary>
public sealed class MenuRunner(Connection connection, IMenuUi ui)
{
    private static readonly string[] MainChoices = ["1. Send request", "2. Unregister", "3. Exit"];
    private static readonly string[] RequestChoices =
        ["Arithmetic (+ - * / %)", "Even or odd", "Prime", "Negative", "Other operation by name", "Back"];
    private static readonly string[] Operators = ["+", "-", "*", "/", "%"];

    public async Task<int> RunAsync()
    {
        while (true)
        {
            if (connection.IsLost)
            {
                ui.Bad("The server is gone. Start the client again once it is back.");
                return ExitCodes.Unreachable;
            }
            switch (ui.Choose("What would you like to do?", MainChoices))
            {
                case 0:
                    await SendRequestAsync();
                    break;
                case 1:
                    return await LeaveAsync("unregister");
                default:
                    return await LeaveAsync("exit");
            }
        }
    }

    private async Task SendRequestAsync()
    {
        var choice = ui.Choose("Which request?", RequestChoices);
        var (op, args) = choice switch
        {
            0 => ("calc", AskArithmetic()),
            1 => ("even", [ui.Ask("Number:")]),
            2 => ("prime", [ui.Ask("Number:")]),
            3 => ("negative", [ui.Ask("Number:")]),
            4 => AskOperation(),
            _ => (null, []),
        };
        if (op is null) return;
        // The person sees what they asked, e.g. "12 * 7 = 84" or "prime 97 = true".
        var label = op == "calc" ? string.Join(' ', args) : $"{op} {string.Join(' ', args)}";
        Show(label, await connection.RequestAsync(op, args));
    }

    private string[] AskArithmetic()
    {
        var first = ui.Ask("First number:");
        var symbol = Operators[ui.Choose("Operator:", Operators)];
        return [first, symbol, ui.Ask("Second number:")];
    }

    private (string?, string[]) AskOperation()
    {
        var words = ui.Ask("Operation and arguments (e.g. add 2 3):")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 0 ? (null, []) : (words[0], words[1..]);
    }

    private void Show(string label, Reply r)
    {
        var seq = $"(clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq})";
        if (r.Code == Codes.Ok) ui.Good($"{label} = {Output.ValueText(r.Value)}  {seq}");
        else if (r.Code == Codes.Unreachable) ui.Bad($"{label}: {r.Error}");
        else ui.Bad($"{label}: {r.Code} {r.Error}  {seq}");
    }

    private async Task<int> LeaveAsync(string how)
    {
        if (connection.IsLost) return ExitCodes.Unreachable;
        var r = await connection.UnregisterAsync();
        if (r.Code != Codes.Ok)
        {
            ui.Bad($"{how}: {r.Error}");
            return ExitCodes.Unreachable;
        }
        ui.Info($"{(how == "unregister" ? "Unregistered" : "Name freed")} [clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq}]. Bye.");
        return ExitCodes.Ok;
    }
}
