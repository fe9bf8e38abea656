using Spectre.Console;

namespace Switchboard.Client.Interactive;

/// <summary>Picks how the interactive client draws: the chat view (--chat), the line mode, or plain lines (TERM=dumb).</summary>
internal static class ConsoleUi
{
    public static IMenuUi Create(bool chat, Notices notices, ClientStatus status, CancellationToken interrupted)
    {
        if (!AnsiConsole.Profile.Capabilities.Ansi)
        {
            if (chat) Console.Error.WriteLine("the chat view needs a terminal that can draw (TERM is dumb or unknown): using plain lines");
            return new PlainMenuUi(Console.In, Console.Out, notices, status);
        }
        var history = new History(History.DefaultFile());
        var completer = Completer.Of(status);
        return chat
            ? new ChatUi(notices, status, history, completer, interrupted)
            : new SpectreMenuUi(notices, status, history, completer, interrupted);
    }
}
