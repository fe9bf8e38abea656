namespace Switchboard.Client.Commands;

/// <summary>A path typed at the prompt, which is no shell: <c>~</c> and <c>~/...</c> are the home directory as a shell
/// would make them (<c>passwd ~/new.pw</c>); <c>~user</c> is not expanded.</summary>
public static class HomePath
{
    public static string Expand(string typed) => Expand(typed, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    public static string Expand(string typed, string home) =>
        typed == "~" ? home : typed.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, typed[2..]) : typed;
}
