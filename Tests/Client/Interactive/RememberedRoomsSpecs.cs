namespace Switchboard.Tests.Client.Interactive;

/// <summary>The rooms file is input: what it holds that is not a room name, past the client's 32 rooms, or a file of any
/// size, is skipped and said (a retest's finding: junk lines went silently, 1,000 rooms gave 32 lines of notices, and
/// a 100 MB line was read whole).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RememberedRoomsSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sbrooms-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RememberedRooms Rooms(params string[] lines)
    {
        var file = Path.Combine(_dir, "rooms");
        File.WriteAllLines(file, lines);
        return new RememberedRooms(file);
    }

    [Fact]
    public void Room_names_are_read_trimmed_once_each_and_the_rest_is_said()
    {
        var (rooms, skipped) = Rooms("#games", "   #ok2   ", "##double", "nohash", "#\u001b[2J", "#games", "", "#Games").Read();
        Assert.Equal(["#games", "#ok2", "#Games"], rooms);
        Assert.Contains("skipped 3 line(s) that are not room names", skipped);
    }

    [Fact]
    public void At_most_32_rooms_are_joined_again()
    {
        var (rooms, skipped) = Rooms([.. Enumerable.Range(0, 40).Select(i => $"#r{i}")]).Read();
        Assert.Equal(RememberedRooms.Max, rooms.Count);
        Assert.Contains("8 room(s) past the 32", skipped);
    }

    [Fact]
    public void A_file_larger_than_any_the_client_writes_is_not_read()
    {
        var (rooms, skipped) = Rooms("#games", new string('x', 100_000)).Read();
        Assert.Empty(rooms);
        Assert.Contains("not read", skipped);
    }

    [Fact]
    public void What_it_writes_it_reads_back_and_a_missing_file_is_no_rooms()
    {
        var remembered = new RememberedRooms(Path.Combine(_dir, "state", "rooms-x"));
        Assert.Empty(remembered.Read().Rooms);
        Assert.Null(remembered.Read().Skipped);
        remembered.Save(["#a", "#b", "bad line"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(remembered.File));
        var (rooms, skipped) = remembered.Read();
        Assert.Equal(["#a", "#b"], rooms);
        Assert.Null(skipped);
    }
}
