using System.CommandLine;

namespace Switchboard.Messages.Startup;

/// <summary>
/// An option given an empty value (<c>--data "$DATA"</c> with the variable unset) is a usage mistake. Without this,
/// a file or directory option reached .NET's path calls as "" and the program died with an unhandled
/// <c>ArgumentException</c> and its stack, exit code 1, as if the store or the file had failed.
/// </summary>
public static class EmptyValues
{
    /// <summary>Every option of <paramref name="command"/> and its subcommands that takes text refuses an empty one.</summary>
    public static void Refuse(Command command) => Refuse(command, []);

    static void Refuse(Command command, HashSet<Option> seen)
    {
        foreach (var option in command.Options)
            if (option.ValueType == typeof(string) && seen.Add(option))
                option.Validators.Add(r =>
                {
                    if (r.Tokens.Any(t => t.Value.Trim().Length == 0))
                        r.AddError($"{option.Name} needs a value, not an empty one (an unset variable?)");
                });
        foreach (var sub in command.Subcommands) Refuse(sub, seen);
    }
}
