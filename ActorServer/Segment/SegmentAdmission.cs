namespace Switchboard.Server.Segment;

/// <summary>What to do with a segment file that already exists.</summary>
public abstract record Admission
{
    Admission() { } // closed: the three cases below

    /// <summary>Map it as it is (a node then validates it).</summary>
    public sealed record Reuse : Admission;

    /// <summary>Unlink it and create a new file of <paramref name="Generation"/>; <paramref name="Detail"/> says what was wrong.</summary>
    public sealed record Rebuild(string Detail, ulong Generation) : Admission;

    /// <summary>Leave it alone and fail with <paramref name="Fault"/>.</summary>
    public sealed record Refuse(SegmentFault Fault, string Message) : Admission
    {
        public SegmentException ToException() => new(Fault, Message);
    }
}

/// <summary>
/// The rule for opening an existing segment file, as pure functions of what is known about it: its owner, type and
/// mode (<see cref="FileStatus"/>), its first bytes and who is alive. The prefix is read only once the file is known to
/// be ours (a 0600 file of another user cannot even be read), hence <c>readPrefix</c>; it reads up to
/// <see cref="SegmentLayout.TotalSize"/> + 1 bytes, so a longer file shows as the wrong length.
/// </summary>
public static class SegmentAdmission
{
    /// <summary>The rule for a node (<see cref="SharedSegmentStore"/>):
    /// <list type="number">
    /// <item>File owned by another uid, or a valid header naming another owner uid → refuse (<see cref="SegmentFault.NotOwned"/>).
    /// Not a regular file (a symbolic link, a fifo) → refuse (<see cref="SegmentFault.NotASegment"/>), unread.</item>
    /// <item>Valid header of this layout, mode 0600 and sane counters → reuse: drop torn/corrupt node rows and slots,
    /// reap dead nodes and their clients.</item>
    /// <item>Well-formed header (checksum ok) of another version or other sizes → refuse (<see cref="SegmentFault.IncompatibleLayout"/>):
    /// another build may be running on it and the file is never resized or reformatted in place.</item>
    /// <item>Wrong magic, or a non-zero file shorter than the header → refuse (<see cref="SegmentFault.NotASegment"/>): we never
    /// overwrite a file we do not recognise.</item>
    /// <item>Our magic but a damaged header (checksum mismatch), a valid header with the wrong file length, an empty /
    /// all-zero header (a creation cut short), or a valid header whose grow-only counters are impossible
    /// (<see cref="SegmentRepair.CountersAreSane"/>) → rebuild, but only when no node row that can still be read (at the
    /// standard offsets) belongs to a live process; otherwise refuse (<see cref="SegmentFault.CorruptWhileInUse"/>). A rebuild
    /// unlinks the old file and creates a new one (a new inode), so nobody's mapping changes size under them.</item>
    /// <item>A segment of ours (any of the two cases above) whose mode has a group or other bit (say 0666) → rebuild
    /// when no live node uses it, else refuse (<see cref="SegmentFault.NotOwned"/>). Not reused as it is, nor chmod'ed:
    /// while it was open to others another user may have mapped it and can keep writing through that mapping, so its
    /// contents prove nothing and only a new inode (0600) shuts them out; a live node's mapping is left alone.</item>
    /// </list>
    /// </summary>
    public static Admission ForStore(string path, uint euid, FileStatus file, Func<byte[]> readPrefix, ProcessLiveness isAlive)
    {
        if (FileRefusal(path, euid, file, "; refusing to map it") is { } refused) return refused;
        var prefix = readPrefix();
        var check = SegmentLayout.CheckHeader(prefix, out var detail);
        switch (check)
        {
            case SegmentLayout.HeaderCheck.Valid:
                if (HeaderOwnerRefusal(path, euid, prefix) is { } notOurs) return notOurs;
                if (file.IsExposed)
                    return RebuildUnlessInUse(path, prefix, isAlive, $"mode {file.Octal} lets other users open it",
                        SegmentFault.NotOwned, SegmentLayout.Generation(prefix) + 1);
                if (!SegmentRepair.CountersAreSane(prefix, out var counters))
                    return RebuildUnlessInUse(path, prefix, isAlive, counters, SegmentFault.CorruptWhileInUse, SegmentLayout.Generation(prefix) + 1);
                return new Admission.Reuse();
            case SegmentLayout.HeaderCheck.Incompatible:
                return new Admission.Refuse(SegmentFault.IncompatibleLayout, $"{path}: {detail}; stop the nodes using it, or remove the file");
            case SegmentLayout.HeaderCheck.BadMagic:
            case SegmentLayout.HeaderCheck.TooShort:
                return new Admission.Refuse(SegmentFault.NotASegment, $"{path} is not a switchboard segment ({detail}); refusing to overwrite it");
            default: // Blank, BadChecksum, BadLength (our layout with the wrong file length)
                var oldGeneration = prefix.Length >= SegmentLayout.HeaderSize && check != SegmentLayout.HeaderCheck.Blank
                    ? SegmentLayout.Generation(prefix) : 0;
                if (file.IsExposed) detail += $"; and mode {file.Octal} lets other users open it";
                return RebuildUnlessInUse(path, prefix, isAlive, detail, SegmentFault.CorruptWhileInUse, oldGeneration + 1);
        }
    }

    static Admission RebuildUnlessInUse(string path, byte[] prefix, ProcessLiveness isAlive, string detail, SegmentFault whileInUse, ulong generation) =>
        SegmentRepair.TryFindLiveNode(prefix, isAlive, out var live)
            ? new Admission.Refuse(whileInUse,
                $"{path} is damaged ({detail}) but node {live.Address} (pid {live.Pid}) is still alive; refusing to rebuild it")
            : new Admission.Rebuild(detail, generation);

    /// <summary>The rule for <see cref="SegmentReader"/>, which never repairs: reuse a valid segment of ours (0600, sane
    /// counters), refuse everything else (also what a node would rebuild).</summary>
    public static Admission ForReader(string segment, string path, uint euid, FileStatus file, Func<byte[]> readPrefix)
    {
        if (FileRefusal(path, euid, file, "") is { } refused) return refused;
        if (file.IsExposed)
            return new Admission.Refuse(SegmentFault.NotOwned, $"{path} is mode {file.Octal}, open to other users: its contents cannot be trusted");
        var prefix = readPrefix();
        var check = SegmentLayout.CheckHeader(prefix, out var detail);
        if (check != SegmentLayout.HeaderCheck.Valid)
            return new Admission.Refuse(check switch
            {
                SegmentLayout.HeaderCheck.BadMagic or SegmentLayout.HeaderCheck.TooShort => SegmentFault.NotASegment,
                SegmentLayout.HeaderCheck.Incompatible => SegmentFault.IncompatibleLayout,
                _ => SegmentFault.Corrupt,
            }, $"segment '{segment}' ({path}) is invalid: {detail}");
        if (HeaderOwnerRefusal(path, euid, prefix) is { } notOurs) return notOurs;
        return SegmentRepair.CountersAreSane(prefix, out var counters)
            ? new Admission.Reuse()
            : new Admission.Refuse(SegmentFault.Corrupt, $"segment '{segment}' ({path}) is invalid: {counters}");
    }

    /// <summary>What is refused before reading a byte: another user's file, or something that is not a regular file.</summary>
    static Admission.Refuse? FileRefusal(string path, uint euid, FileStatus file, string suffix)
    {
        if (file.Uid != euid)
            return new Admission.Refuse(SegmentFault.NotOwned, $"{path} belongs to uid {file.Uid}, not to this user (uid {euid})" + suffix);
        if (!file.IsRegularFile)
            return new Admission.Refuse(SegmentFault.NotASegment, $"{path} is not a regular file (mode 0{Convert.ToString(file.Mode, 8)})" + suffix);
        return null;
    }

    /// <summary>A valid header records the uid that created it: someone else's segment is refused even in a file of ours.</summary>
    static Admission? HeaderOwnerRefusal(string path, uint euid, ReadOnlySpan<byte> prefix) =>
        SegmentLayout.OwnerUid(prefix) == euid
            ? null
            : new Admission.Refuse(SegmentFault.NotOwned, $"{path} was created by uid {SegmentLayout.OwnerUid(prefix)}, not this user (uid {euid})");
}
