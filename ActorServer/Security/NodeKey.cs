using System.Security.Cryptography;

namespace Switchboard.Server.Security;

/// <summary>
/// The secret the nodes sharing a segment know and nobody else does: 128 random bits in <c>/dev/shm/SEGMENT.key</c>,
/// mode 0600, made by the first node and read by the others (this user's processes, like the segment itself).
/// Node-to-node messages go to each node's door, whose name is derived from it, so a stranger cannot reach the path
/// the nodes use among themselves.
/// </summary>
public static class NodeKey
{
    private const int Length = Capability.Bits / 4;

    public static string PathFor(string segment) => SegmentMapping.PathFor(segment) + ".key";

    /// <summary>The door's actor name under the gateway.</summary>
    public static string DoorName(string key) => "node-" + key;

    public static string LoadOrCreate(string segment)
    {
        var path = PathFor(segment);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (TryCreate(path) is { } created) return created;
            if (TryRead(path) is { } read) return read;
            Thread.Sleep(10); // another node is writing it this instant
        }
        throw new SegmentException(SegmentFault.Corrupt, $"{path} does not hold a node key; remove it if no node runs on segment '{segment}'");
    }

    /// <summary>Removes the key once the segment itself is gone (the last node left).</summary>
    public static void RemoveIfSegmentGone(string segment)
    {
        if (!File.Exists(SegmentMapping.PathFor(segment))) File.Delete(PathFor(segment));
    }

    private static string? TryCreate(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("segments live under /dev/shm (Linux)");
        try
        {
            using var fs = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            var key = RandomNumberGenerator.GetHexString(Length, lowercase: true);
            fs.Write(System.Text.Encoding.ASCII.GetBytes(key));
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    private static string? TryRead(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("segments live under /dev/shm (Linux)");
        var owner = ProcessInfo.FileOwnerUid(path);
        if (owner != ProcessInfo.EffectiveUid())
            throw new SegmentException(SegmentFault.NotOwned, $"{path} belongs to uid {owner}, not to this user; refusing it");
        if (SecretFile.Exposure(path, "node key") is not null)
            throw new SegmentException(SegmentFault.NotOwned, $"{path} is readable or writable by other users; refusing it (remove it if no node runs)");
        var text = File.ReadAllText(path).Trim();
        return text.Length == Length && text.All(char.IsAsciiHexDigitLower) ? text : null;
    }
}
