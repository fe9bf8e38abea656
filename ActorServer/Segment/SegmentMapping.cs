using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Server.Segment;

/// <summary>
/// One mapping of a segment file under /dev/shm. Named <see cref="MemoryMappedFile"/>s do not work on Linux, so the
/// file is created with <see cref="FileStream"/> (mode 0600) and mapped with <see cref="MemoryMappedFile.CreateFromFile(FileStream, string?, long, MemoryMappedFileAccess, HandleInheritability, bool)"/>.
/// </summary>
public sealed class SegmentMapping : IDisposable
{
    public const string Directory = "/dev/shm";

    readonly MemoryMappedFile _file;
    readonly MemoryMappedViewAccessor _view;
    readonly FileStream _stream; // owned by _file (leaveOpen: false); kept for fstat/ftruncate on its descriptor
    readonly nint _address;
    readonly int _length;
    bool _disposed;

    SegmentMapping(MemoryMappedFile file, MemoryMappedViewAccessor view, FileStream stream, int length)
    {
        _file = file;
        _stream = stream;
        _view = view;
        _length = length;
        _address = view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)view.PointerOffset;
    }

    public bool Writable { get; private init; }

    /// <summary>The mapped bytes. Writing through it on a read-only mapping faults: use <see cref="ReadOnly"/> there.</summary>
    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!Writable) throw new InvalidOperationException("the segment is mapped read-only");
            // A span over the mapped view without an unsafe block: the view outlives every use (this object owns it).
            return MemoryMarshal.CreateSpan(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _address), _length);
        }
    }

    public ReadOnlySpan<byte> ReadOnly
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _address), _length);
        }
    }

    /// <summary>Keeps the view mapped while a session's thread counts in it (<see cref="Leave"/> after): disposing the
    /// mapping then waits for the last of them to leave before unmapping. False once disposed.</summary>
    public bool TryEnter()
    {
        var entered = false;
        try
        {
            _view.SafeMemoryMappedViewHandle.DangerousAddRef(ref entered);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        return entered;
    }

    public void Leave() => _view.SafeMemoryMappedViewHandle.DangerousRelease();

    /// <summary>The mapped bytes for a caller inside <see cref="TryEnter"/> (writable mappings only).</summary>
    public Span<byte> Entered => MemoryMarshal.CreateSpan(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _address), _length);

    /// <summary>Segment names are 1–64 chars of [A-Za-z0-9_.-] (they become a file name), and do not end in ".lock"
    /// (that is the name of another segment's lock file, <see cref="LockPathFor"/>).</summary>
    public static bool IsValidSegmentName(string segment) =>
        segment.Length is > 0 and <= 64 && segment is not ("." or "..") &&
        !segment.EndsWith(LockSuffix, StringComparison.Ordinal) &&
        segment.All(Limits.IsNameChar);

    public static string PathFor(string segment)
    {
        if (!IsValidSegmentName(segment))
            throw new SegmentException(SegmentFault.BadName, $"segment name '{segment}' must be 1–64 chars of [A-Za-z0-9_.-], not ending in '{LockSuffix}'");
        return System.IO.Path.Combine(Directory, segment);
    }

    const string LockSuffix = ".lock";

    /// <summary>The segments in <paramref name="directory"/> that <paramref name="uid"/> owns (a valid name with its lock
    /// file beside it), sorted: what <c>inspect</c> offers when the one asked for is not there.</summary>
    public static IReadOnlyList<string> SegmentsIn(string directory, uint uid)
    {
        try
        {
            return System.IO.Directory.EnumerateFiles(directory)
                .Select(System.IO.Path.GetFileName)
                .OfType<string>()
                .Where(n => IsValidSegmentName(n) && File.Exists(System.IO.Path.Combine(directory, n + LockSuffix))
                            && OwnedBy(System.IO.Path.Combine(directory, n), uid))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // a file gone meanwhile, or a directory not to be read: nothing to offer
        }
    }

    /// <summary>The lock file beside the segment (<see cref="SegmentMutex"/>): <c>/dev/shm/&lt;segment&gt;.lock</c>, mode 0600.</summary>
    public static string LockPathFor(string segment) => PathFor(segment) + LockSuffix;

    // False for a file removed meanwhile (a node that stopped).
    static bool OwnedBy(string path, uint uid)
    {
        try
        {
            return ProcessInfo.FileOwnerUid(path) == uid;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Creates a new file of <see cref="SegmentLayout.TotalSize"/> zero bytes, mode 0600; fails if it exists.</summary>
    public static SegmentMapping CreateNew(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("segments live under /dev/shm (Linux)");
        var fs = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        try
        {
            fs.SetLength(SegmentLayout.TotalSize);
            return Map(fs, writable: true);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Maps an existing file of exactly <see cref="SegmentLayout.TotalSize"/> bytes.</summary>
    public static SegmentMapping OpenExisting(string path, bool writable)
    {
        var fs = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = writable ? FileAccess.ReadWrite : FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
        });
        try
        {
            if (fs.Length != SegmentLayout.TotalSize)
                throw new SegmentException(SegmentFault.Corrupt, $"{path} is {fs.Length} bytes, the layout needs {SegmentLayout.TotalSize}");
            return Map(fs, writable);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    static SegmentMapping Map(FileStream fs, bool writable)
    {
        var access = writable ? MemoryMappedFileAccess.ReadWrite : MemoryMappedFileAccess.Read;
        var file = MemoryMappedFile.CreateFromFile(fs, null, SegmentLayout.TotalSize, access, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = file.CreateViewAccessor(0, SegmentLayout.TotalSize, access);
            return new SegmentMapping(file, view, fs, SegmentLayout.TotalSize) { Writable = writable };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The mapped file's length now: one fstat(2) on the descriptor (no allocation, never cached: the file is
    /// shared for writing, so another process can change it at any time).</summary>
    public long FileLength()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return RandomAccess.GetLength(_stream.SafeFileHandle);
    }

    /// <summary>Sets the file back to <see cref="SegmentLayout.TotalSize"/> bytes (ftruncate(2)); for a file that grew,
    /// which takes nothing from the mapping.</summary>
    public void RestoreLength()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        RandomAccess.SetLength(_stream.SafeFileHandle, SegmentLayout.TotalSize);
    }

    /// <summary>Reads up to <paramref name="max"/> bytes of a file without mapping it (for classifying odd-sized files).</summary>
    public static byte[] ReadPrefix(string path, int max)
    {
        using var fs = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete,
        });
        var length = (int)Math.Min(fs.Length, max);
        var buffer = new byte[length];
        // Rows before the header: sessions add to the header's counters before their slots without the lock, so a
        // read in this order never shows a slot ahead of the counters that bound it (SegmentRepair.CountersAreSane).
        var head = Math.Min(length, SegmentLayout.HeaderSize);
        RandomAccess.Read(fs.SafeFileHandle, buffer.AsSpan(head), head);
        RandomAccess.Read(fs.SafeFileHandle, buffer.AsSpan(0, head), 0);
        return buffer;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.Dispose();
        _file.Dispose();
    }
}
