namespace Switchboard.Server.Segment;

/// <summary>Why a segment was refused.</summary>
public enum SegmentFault
{
    /// <summary>The segment file does not exist (reader only).</summary>
    Missing,
    /// <summary>The file belongs to another user, or the header names another owner uid.</summary>
    NotOwned,
    /// <summary>Not a Switchboard segment (wrong magic) and not an empty/zeroed leftover of an interrupted creation.</summary>
    NotASegment,
    /// <summary>A well-formed header of another layout version or other sizes: another build may be using it.</summary>
    IncompatibleLayout,
    /// <summary>The header is damaged while some node recorded in the file is still alive.</summary>
    CorruptWhileInUse,
    /// <summary>The header is damaged (reader only: the reader never repairs).</summary>
    Corrupt,
    /// <summary>Every node row is taken by a live node.</summary>
    NodeTableFull,
    /// <summary>The segment name is not 1–64 chars of [A-Za-z0-9_.-].</summary>
    BadName,
    /// <summary>Could not open or map the file.</summary>
    Io,
    /// <summary>The file of a running node was cut shorter than the layout (by a process of this user): reading the
    /// mapping past the new end would kill the process (SIGBUS), so the node takes no new work and stops.</summary>
    Truncated,
    /// <summary>The segment's live nodes keep their accounts and history in another data store than this node: sharing
    /// names but not the store that says which are reserved, this node would let anyone in as a reserved name.</summary>
    OtherStore,
}

/// <summary>A segment that cannot be used safely. Every refusal of a segment surfaces as this type.</summary>
public sealed class SegmentException(SegmentFault fault, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public SegmentFault Fault { get; } = fault;
}
