using System.CommandLine;
using System.Text;

namespace Switchboard.Server.Hosting;

/// <summary>
/// <c>ActorServer accounts list|release NAME|set-password NAME [--data DIR] [--config F]</c>: the operator's way out
/// for a reserved name whose owner forgot its password. The options and the password's reading are here; the work is
/// <see cref="OfflineAccounts"/>'s. The new password comes from stdin (its first line, as <c>--password-file</c> is read)
/// or from a prompt on the terminal that echoes nothing, never from the command line, which every local user can read.
/// </summary>
public static class AccountsCommand
{
    /// <summary>The <c>accounts</c> command and its three subcommands, for the root command of <c>Program.cs</c>.</summary>
    public static Command Create()
    {
        var accounts = new Command("accounts", "Release a reserved name or set its password (a server on the data directory stopped); list the reserved names");
        accounts.Subcommands.Add(Sub("list", "List the reserved names and when each was reserved (also while servers run)", named: false,
            (_, data, config) => OfflineAccounts.List(data, config, Console.Out, Console.Error)));
        accounts.Subcommands.Add(Sub("release", "Make a reserved name a guest's again; its password hashes and inbox leave the store", named: true,
            (name, data, config) => OfflineAccounts.Release(name!, data, config, Console.Out, Console.Error)));
        accounts.Subcommands.Add(Sub("set-password", "Give a reserved name a new password, read from stdin or asked on the terminal", named: true,
            (name, data, config) => OfflineAccounts.SetPassword(name!, data, config, NewPassword, Console.Out, Console.Error)));
        return accounts;
    }

    private static Command Sub(string verb, string description, bool named, Func<string?, string?, string?, int> run)
    {
        var data = new Option<string?>("--data") { HelpName = "DIR", Description = $"The data directory the servers run with (default {DataStore.DefaultDirectory()})" };
        var config = new Option<string?>("--config") { HelpName = "F", Description = "The server's hocon file, if it changes switchboard.data or switchboard.accounts" };
        var command = new Command(verb, description) { data, config };
        // Checked here, not required by the parser, which would refuse "release --help" without it.
        var name = new Argument<string?>("NAME") { Description = "The reserved name", Arity = ArgumentArity.ZeroOrOne };
        if (named) command.Arguments.Add(name);
        command.SetAction(r =>
        {
            if (!named || r.GetValue(name) is not null) return run(named ? r.GetValue(name) : null, r.GetValue(data), r.GetValue(config));
            Console.Error.WriteLine($"accounts: give the name: ActorServer accounts {verb} NAME [--data DIR]");
            return OfflineAccounts.BadOption;
        });
        return command;
    }

    // Asked only once the directory is this command's and the name is reserved: nobody types a password for a change
    // that is then refused.
    private static string? NewPassword(string name, out string? problem)
    {
        problem = null;
        if (Console.IsInputRedirected)
        {
            var line = Console.In.ReadLine()?.Trim();
            if (string.IsNullOrEmpty(line)) problem = "the password is empty (give it as the first line of stdin)";
            return problem is null ? line : null;
        }
        var first = Prompt($"new password for '{name}': ");
        if (first is null || Prompt("again: ") is not { } second)
        {
            problem = "no password given";
            return null;
        }
        if (first != second) problem = "the two passwords differ; nothing was changed";
        return problem is null ? first : null;
    }

    // Nothing echoed; Ctrl-C or Ctrl-D gives up.
    private static string? Prompt(string text)
    {
        Console.Error.Write(text);
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0) typed.Length--;
            }
            else if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key is ConsoleKey.C or ConsoleKey.D)
            {
                Console.Error.WriteLine();
                return null;
            }
            else if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return typed.Length > 0 ? typed.ToString() : null;
    }
}
