namespace Switchboard.Server.Hosting;

/// <summary>
/// Whether the data file is still the one the node opened. SQLite keeps writing through its open connections after the
/// file is deleted or replaced (they hold the old inode), so such writes succeed and are lost at the next start; and a
/// file made unreadable to its owner fails only new connections. Writers ask <see cref="Problem"/> (one statx) before
/// they change anything and answer 503 instead.
/// </summary>
public sealed class DataFileGuard
{
    private readonly ulong _inode;

    /// <summary>Remembers <paramref name="path"/>'s inode: call it once the start checks have passed.</summary>
    public DataFileGuard(string path)
    {
        Path = path;
        _inode = ProcessInfo.FileStatusOf(path).Inode;
    }

    public string Path { get; }

    /// <summary>Null while the file is the one opened at start and its owner may read and write it; else one line saying
    /// what happened to it (for the log, with the path: clients are told less).</summary>
    public string? Problem()
    {
        FileStatus now;
        try { now = ProcessInfo.FileStatusOf(Path); }
        catch (IOException)
        {
            return $"data file {Path} is gone (deleted or moved away while the server ran)";
        }
        if (now.Inode != _inode || !now.IsRegularFile)
            return $"data file {Path} was replaced while the server ran (the server still writes to the one it opened)";
        const uint OwnerReadWrite = 0x180; // 0600
        if ((now.Permissions & OwnerReadWrite) != OwnerReadWrite || now.Uid != ProcessInfo.EffectiveUid())
            return $"data file {Path} is no longer this user's to read and write (mode {now.Octal}, uid {now.Uid})";
        return null;
    }
}
