using System.Text;

namespace Switchboard.Server.Hosting;

/// <summary>
/// Which server a data directory belongs to while it runs: <c>DIR/server.lock</c> names the server's segment, and each
/// of its nodes holds a shared lock on the file (<c>flock(2)</c>, which .NET takes for <see cref="FileShare.ReadWrite"/>
/// on Linux) until it stops. A node of another segment is refused: two servers on one store would each think a
/// persistence id theirs alone (Akka.Persistence needs one writer; the second one's account writes failed on a unique
/// key) and let a reserved name be online on both. The segment checks the other way round (one store per segment,
/// <c>SegmentFault.OtherStore</c>). The kernel drops the lock when a node dies, even by <c>kill -9</c>; once no node
/// holds it, the next one's segment is written in. Owned by the host, released at shutdown.
/// </summary>
public sealed class DataDirectoryClaim : IDisposable
{
    public const string FileName = "server.lock";

    // Writers of server.lock hold this one (exclusively, for a moment): the check of who is there and the write of
    // our name are one step for every node that starts.
    private const string GateName = "server.gate";

    private readonly FileStream _held;

    private DataDirectoryClaim(FileStream held) => _held = held;

    /// <summary>The claim for <paramref name="segment"/>'s nodes, or null with <paramref name="problem"/> saying why.</summary>
    public static DataDirectoryClaim? Take(string directory, string segment, out string? problem, TimeSpan? gateWait = null)
    {
        problem = null;
        var path = Path.Combine(directory, FileName);
        try
        {
            using var gate = Gate(Path.Combine(directory, GateName), gateWait ?? TimeSpan.FromSeconds(10));
            if (gate is null)
            {
                problem = $"{Path.Combine(directory, GateName)} stayed locked: another server starting on this data directory seems stuck";
                return null;
            }
            if (TryOpen(path, FileShare.None) is { } alone)
                using (alone)
                {
                    // No node holds it: the directory is ours.
                    alone.SetLength(0);
                    alone.Write(Encoding.UTF8.GetBytes(segment));
                    alone.Flush(flushToDisk: false);
                }
            // Only an offline command holds it exclusively outside the gate (TakeAlone): this node waits for it to finish.
            if (TryOpen(path, FileShare.ReadWrite) is not { } held)
            {
                problem = $"the data directory {directory} is locked ({path}): an offline command (ActorServer accounts) is at work on it; " +
                    "start the server once it has finished";
                return null;
            }
            var owner = new StreamReader(held, Encoding.UTF8, leaveOpen: true).ReadToEnd();
            if (owner == segment) return new DataDirectoryClaim(held);
            held.Dispose();
            problem = $"the data directory {directory} is in use by another server (segment '{owner}'): two servers must not " +
                $"share one store; give this one another --data, or --segment {owner} to run it as another node of that server";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot claim the data directory {directory} ({path}): {e.Message}";
            return null;
        }
    }

    /// <summary>The directory for an offline command that writes the store as a server would (<c>accounts</c>): held
    /// exclusively, so no node runs on it meanwhile and none starts until it is disposed. Null when a server's node holds
    /// it (<paramref name="holder"/>: its segment), or with <paramref name="problem"/> when the file cannot be used.</summary>
    public static DataDirectoryClaim? TakeAlone(string directory, out string? holder, out string? problem, TimeSpan? gateWait = null)
    {
        (holder, problem) = (null, null);
        var path = Path.Combine(directory, FileName);
        try
        {
            using var gate = Gate(Path.Combine(directory, GateName), gateWait ?? TimeSpan.FromSeconds(10));
            if (gate is null)
            {
                problem = $"{Path.Combine(directory, GateName)} stayed locked: a server starting on this data directory seems stuck";
                return null;
            }
            if (TryOpen(path, FileShare.None) is { } alone) return new DataDirectoryClaim(alone);
            // A shared lock reads beside the nodes' shared locks: which server it is, for the refusal. None: another
            // offline command holds it.
            using var shared = TryOpen(path, FileShare.ReadWrite);
            if (shared is null) problem = $"the data directory {directory} is locked ({path}): another offline command (ActorServer accounts) is at work on it";
            else holder = new StreamReader(shared, Encoding.UTF8).ReadToEnd();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot claim the data directory {directory} ({path}): {e.Message}";
            return null;
        }
    }

    private static FileStream? Gate(string path, TimeSpan wait)
    {
        var until = DateTime.UtcNow + wait;
        while (true)
        {
            if (TryOpen(path, FileShare.None) is { } gate) return gate;
            if (DateTime.UtcNow >= until) return null;
            Thread.Sleep(20);
        }
    }

    // Null when another process's lock is in the way (.NET's sharing violation); other failures are thrown.
    private static FileStream? TryOpen(string path, FileShare share)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = share };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            return new FileStream(path, options);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && File.Exists(path))
        {
            return null;
        }
    }

    public void Dispose() => _held.Dispose();
}
