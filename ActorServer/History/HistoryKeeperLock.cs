namespace Switchboard.Server.History;

/// <summary>
/// Which node keeps the history of a data directory: the one holding an exclusive lock on <c>DIR/history.lock</c>
/// (.NET takes <c>flock(2)</c> for <see cref="FileShare.None"/> on Linux). Nodes sharing a segment share the directory's
/// store, and Akka.Persistence needs one writer per persistence id; with one keeper per directory, every conversation
/// and inbox has one. The kernel drops the lock when its holder dies (even by <c>kill -9</c>), and another node takes it
/// over at its next try. Owned by the host, which releases it at shutdown.
/// </summary>
public sealed class HistoryKeeperLock(string directory) : IDisposable
{
    private readonly Lock _gate = new();
    private FileStream? _held;

    public string Path { get; } = System.IO.Path.Combine(directory, "history.lock");

    /// <summary>Takes the lock if no one holds it; true while this node holds it.</summary>
    public bool TryTake()
    {
        lock (_gate)
        {
            if (_held is not null) return true;
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            try
            {
                _held = new FileStream(Path, options);
                return true;
            }
            catch (IOException)
            {
                return false; // another node holds it
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _held?.Dispose();
            _held = null;
        }
    }
}
