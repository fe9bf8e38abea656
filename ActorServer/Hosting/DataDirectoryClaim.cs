using System.Text;

namespace Switchboard.Server.Hosting;

/// <summary>
/// Which server a data directory belongs to while it runs: <c>DIR/server.lock</c> names the server's segment, and each
/// of its nodes holds a shared lock on the file (<c>flock(2)</c>, which .NET takes for <see cref="FileShare.ReadWrite"/>
/// on Linux) until it stops. A node of another segment is refused: two servers on one store would each think a
/// persistence id theirs alone (Akka.Persistence needs one writer; the second one's account writes failed on a unique
/// key) and let a reserved name be online on both. The segment checks the other way round (one store per segment,
/// <c>SegmentFault.OtherStore</c>). The kernel drops the lock when a node dies, even by <c>kill -9</c>; once no node
/// holds it, the next one's segment is written in. Owned by the host, released at shutdown; a start refused after the
/// claim <see cref="Withdraw"/>s it instead, which also removes the files (and the directory) that start made.
/// </summary>
public sealed class DataDirectoryClaim : IDisposable
{
    public const string FileName = "server.lock";

    // Writers of server.lock hold this one (exclusively, for a moment): the check of who is there and the write of
    // our name are one step for every node that starts.
    private const string GateName = "server.gate";

    private readonly FileStream _held;
    private readonly string _directory;
    // What the start that took this claim made: a refused start removes them again (Withdraw).
    private readonly bool _madeGate, _madeLock, _madeDirectory;

    private DataDirectoryClaim(FileStream held, string directory, bool madeGate = false, bool madeLock = false, bool madeDirectory = false) =>
        (_held, _directory, _madeGate, _madeLock, _madeDirectory) = (held, directory, madeGate, madeLock, madeDirectory);

    /// <summary>The claim for <paramref name="segment"/>'s nodes, or null with <paramref name="problem"/> saying why.
    /// <paramref name="madeDirectory"/>: the caller has just made the directory, which <see cref="Withdraw"/> then removes
    /// when it is left empty.</summary>
    public static DataDirectoryClaim? Take(string directory, string segment, out string? problem, TimeSpan? gateWait = null, bool madeDirectory = false)
    {
        problem = null;
        var path = Path.Combine(directory, FileName);
        var gatePath = Path.Combine(directory, GateName);
        try
        {
            var madeGate = !File.Exists(gatePath);
            using var gate = Gate(gatePath, gateWait ?? TimeSpan.FromSeconds(10));
            if (gate is null)
            {
                problem = $"{gatePath} stayed locked: another server starting on this data directory seems stuck";
                return null;
            }
            var madeLock = !File.Exists(path);
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
            if (owner == segment) return new DataDirectoryClaim(held, directory, madeGate, madeLock, madeDirectory);
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
            if (TryOpen(path, FileShare.None) is { } alone) return new DataDirectoryClaim(alone, directory);
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

    /// <summary>For a start refused after the claim: lets go of it and removes what that start made, so a server that
    /// never ran leaves nothing behind — <paramref name="alsoMade"/> (its empty store), <c>server.lock</c> and
    /// <c>server.gate</c> when it made them, only when no other node holds the directory by then (a node of the same
    /// segment may have joined the claim meanwhile, and opened that store: then all of it stays), and the directory when it
    /// made that too and nothing else is left in it. Best effort: the refusal already said why.</summary>
    public void Withdraw(Action? alsoMade = null)
    {
        _held.Dispose();
        if (!_madeLock && alsoMade is null) return;
        var path = Path.Combine(_directory, FileName);
        var gatePath = Path.Combine(_directory, GateName);
        try
        {
            using (var gate = Gate(gatePath, TimeSpan.FromSeconds(2)))
            {
                if (gate is null) return;
                // Alone on it under the gate, where every node takes it: no node holds it, none can until the gate is let
                // go, and none opens the store without holding it first.
                using (var alone = TryOpen(path, FileShare.None))
                {
                    if (alone is null) return;
                    alsoMade?.Invoke();
                    if (!_madeLock) return;
                    File.Delete(path);
                }
                // Removed while held; a starter that opened it before finds it gone once it gets the lock, and retries (Gate).
                if (_madeGate) File.Delete(gatePath);
            }
            if (_madeDirectory && !Directory.EnumerateFileSystemEntries(_directory).Any()) Directory.Delete(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    // The gate is locked on the file at its path: one removed by a refused start (Withdraw) while this waited on it is no
    // gate any more, so the path is opened again.
    private static FileStream? Gate(string path, TimeSpan wait)
    {
        var until = DateTime.UtcNow + wait;
        while (true)
        {
            if (TryOpen(path, FileShare.None) is { } gate)
            {
                if (ProcessInfo.IsAtPath(gate, path)) return gate;
                gate.Dispose();
                continue;
            }
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

    /// <summary>The data file's guard is told this node holds the claim: <c>server.lock</c> deleted under it (a server of
    /// another segment could then claim the directory and write the same store) stops this node's writes.</summary>
    public void GuardedBy(DataFileGuard guard) => guard.Holds(_held, Path.Combine(_directory, FileName), "the data directory's claim");

    public void Dispose() => _held.Dispose();
}
