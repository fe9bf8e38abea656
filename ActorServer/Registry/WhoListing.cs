using System.Text;

namespace Switchboard.Server.Registry;

/// <summary>
/// What of the online clients one <c>WhoReply</c> lists: the first by name while they fit in <see cref="MaxBytes"/>,
/// the rest only counted. The answer crosses to the client in one remoting frame (512,000 bytes, sized for one
/// segment's 4,096 clients); a cluster lists every node's, up to 4,096 each, and a larger answer is dropped by the
/// transport: nobody's <c>who</c> was answered once three nodes were full (1.27 MB with long host names).
/// </summary>
public static class WhoListing
{
    /// <summary>The entries' encoded size at most: the frame less room for the reply's header and the envelope's paths.</summary>
    public const int MaxBytes = 448 * 1024;

    public static (PresenceEntry[] Listed, int More) Fit(PresenceEntry[] sorted)
    {
        var bytes = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            bytes += Bound(sorted[i]);
            if (bytes > MaxBytes) return (sorted[..i], sorted.Length - i);
        }
        return (sorted, 0);
    }

    // Above protobuf's size of one entry: its tag and length, each field's tag and length, two 64-bit varints at 10 bytes.
    private static int Bound(PresenceEntry e) => 32 + Encoding.UTF8.GetByteCount(e.Name) + Encoding.UTF8.GetByteCount(e.Node);
}
