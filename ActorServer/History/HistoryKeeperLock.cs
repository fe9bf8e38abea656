using Switchboard.Server.Hosting;

namespace Switchboard.Server.History;

/// <summary>
/// Which node keeps the history of a data directory: the one holding an exclusive lock on <c>DIR/history.lock</c>
/// (.NET takes <c>flock(2)</c> for <see cref="FileShare.None"/> on Linux). Nodes sharing a segment share the directory's
/// store, and Akka.Persistence needs one writer per persistence id; with one keeper per directory, every conversation
/// and inbox has one. The kernel drops the lock when its holder dies (even by <c>kill -9</c>), and another node takes it
/// over at its next try. Owned by the host, which releases it at shutdown.
/// <para>The keeper writes its client-facing address beside it, in <c>DIR/history.keeper</c>, so the others can say where
/// the history is (the lock file itself cannot be read by anyone but its holder: the flock covers every open).</para>
/// </summary>
/// <param name="address">This node's client-facing address (HOST:PORT), written when it takes the lock; null: none
/// (<c>restore</c>, which holds the lock only to keep servers off).</param>
/// <param name="guard">The data file's guard, told when this node takes the lock: the lock file deleted meanwhile (another
/// node would take a new one and keep the history beside this one) stops this node's writes.</param>
public sealed class HistoryKeeperLock(string directory, string? address = null, DataFileGuard? guard = null) : IDisposable
{
    private const int MaxAddress = 300;
    private readonly Lock _gate = new();
    private FileStream? _held;

    public string Path { get; } = System.IO.Path.Combine(directory, "history.lock");

    /// <summary>Where the keeper writes its address.</summary>
    public string AddressPath { get; } = System.IO.Path.Combine(directory, "history.keeper");

    /// <summary>The keeper's client-facing address as it wrote it, or null (none written, or unreadable). Read by the
    /// nodes that do not keep the history, for their 503.</summary>
    public string? Keeper()
    {
        try
        {
            var text = File.ReadAllText(AddressPath).Trim();
            return text.Length is > 0 and <= MaxAddress && !text.Any(char.IsControl) ? text : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Written whole (a new file renamed over the old), so a reader never sees half of it; best effort: without it the
    // others only say "another node".
    private void WriteAddress()
    {
        if (address is null) return;
        var next = AddressPath + "." + Environment.ProcessId;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(next, options)) file.Write(System.Text.Encoding.UTF8.GetBytes(address));
            File.Move(next, AddressPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(next); } catch (Exception f) when (f is IOException or UnauthorizedAccessException) { }
        }
    }

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
                guard?.Holds(_held, Path, "the history's lock");
                WriteAddress();
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
            // Removed while still held: a successor, which can take the lock only after, writes its own.
            if (_held is not null && address is not null)
                try { File.Delete(AddressPath); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            _held?.Dispose();
            _held = null;
        }
    }
}
