using System.Text.RegularExpressions;

namespace Switchboard.Client.Interactive;

/// <summary>
/// The rooms an interactive client was in when it last ran, per name and server, in a 0600 file under the state
/// directory (<c>~/.local/state/switchboard/rooms-NAME@HOST-PORT</c>, or under $XDG_STATE_HOME): the next run joins them
/// again, so a room's history and messages are there without a `join` first, as after a reconnect. Written whole on every
/// join and leave; read as input (only room names, at most <see cref="Max"/>).
/// </summary>
public sealed partial class RememberedRooms(string file)
{
    /// <summary>Rooms kept at most (a server's own bound on the rooms a client is in).</summary>
    public const int Max = 32;

    public string File => file;

    public static RememberedRooms For(string name, string host, int port)
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state)) state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        // A name is letters, digits and a few marks (the server's rule); the host an address or a DNS name.
        var key = string.Concat($"{name}@{host}-{port}".Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' or '@' ? c : '_'));
        return new RememberedRooms(Path.Combine(state, "switchboard", $"rooms-{key}"));
    }

    [GeneratedRegex("^#[A-Za-z0-9_.-]{1,32}$")]
    private static partial Regex RoomName();

    public IReadOnlyList<string> Read()
    {
        try
        {
            return System.IO.File.Exists(file)
                ? [.. System.IO.File.ReadLines(file).Where(l => RoomName().IsMatch(l)).Distinct(StringComparer.Ordinal).Take(Max)]
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public void Save(IReadOnlyList<string> rooms) => PrivateFile.Replace(file, rooms.Where(r => RoomName().IsMatch(r)).Take(Max));
}
