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
        // A name is letters, digits and a few marks (the server's rule); the host an address or a DNS name.
        var key = string.Concat($"{name}@{host}-{port}".Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' or '@' ? c : '_'));
        return new RememberedRooms(Path.Combine(PrivateFile.StateDirectory(), $"rooms-{key}"));
    }

    [GeneratedRegex("^#[A-Za-z0-9_.-]{1,32}$")]
    private static partial Regex RoomName();

    /// <summary>Larger than any file this client writes (32 names of at most 33 bytes): not read.</summary>
    public const long MaxBytes = 4096;

    /// <summary>The rooms to join again, and what of the file was not used (null: all of it was).</summary>
    public (IReadOnlyList<string> Rooms, string? Skipped) Read()
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists) return ([], null);
            if (info.Length > MaxBytes) return ([], $"{file} is larger than {MaxBytes} bytes; not read");
            var lines = System.IO.File.ReadAllLines(file);
            var rooms = lines.Select(l => l.Trim()).Where(l => RoomName().IsMatch(l)).Distinct(StringComparer.Ordinal).ToList();
            var bad = lines.Count(l => l.Trim().Length > 0 && !RoomName().IsMatch(l.Trim()));
            var skipped = new List<string>();
            if (bad > 0) skipped.Add($"{bad} line(s) that are not room names (#name, 1-32 of A-Z a-z 0-9 _ . -)");
            if (rooms.Count > Max) skipped.Add($"{rooms.Count - Max} room(s) past the {Max} a client may be in");
            return ([.. rooms.Take(Max)], skipped.Count == 0 ? null : $"{file}: skipped {string.Join(" and ", skipped)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ([], $"{file} could not be read: {e.Message}");
        }
    }

    public void Save(IReadOnlyList<string> rooms) => PrivateFile.Replace(file, rooms.Where(r => RoomName().IsMatch(r)).Take(Max));
}
