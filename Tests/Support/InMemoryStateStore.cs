namespace Switchboard.Tests.Support;

/// <summary>
/// The registry and counters of one process, in managed memory: what the actor specs run against (test code only;
/// the product's store is the segment). It shares nothing with other processes. Sessions count on their own threads
/// (<see cref="CounterFor"/>), so every method takes one lock.
/// </summary>
public sealed class InMemoryStateStore(string node, int capacity = 4096) : IStateStore
{
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
    private readonly Slot?[] _slots = new Slot?[capacity];
    private long _serverSeq, _totalRequests, _totalRegistrations, _nextToken;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly Lock _sync = new();
    // Reserves' folded names: token → the name held.
    private readonly Dictionary<long, string> _holds = [];

    private sealed class Slot(string name, long token)
    {
        public string Name { get; } = name;
        public long Token { get; } = token;
        public long Requests { get; set; }
        public DateTimeOffset Since { get; } = DateTimeOffset.UtcNow;
    }

    public ClaimResult Claim(string name) { lock (_sync) return ClaimLocked(name); }

    private ClaimResult ClaimLocked(string name)
    {
        if (_byName.ContainsKey(name)) return new ClaimResult(ClaimStatus.Taken, default, default);
        var index = Array.IndexOf(_slots, null);
        if (index < 0) return new ClaimResult(ClaimStatus.Full, default, default);
        var slot = new Slot(name, ++_nextToken);
        _slots[index] = slot;
        _byName[name] = index;
        _totalRegistrations++;
        return new ClaimResult(ClaimStatus.Claimed, new SlotHandle(index, slot.Token), new SeqPair(1, ++_serverSeq));
    }

    public ReplyCounter CounterFor(SlotHandle slot) => new Counter(this, slot);

    // A batch's serverSeqs in one lock section, so they are consecutive as the segment's atomic add makes them.
    private bool TryTake(SlotHandle handle, int n, long requests, out long last)
    {
        lock (_sync)
        {
            last = 0;
            if (Get(handle) is not { } slot) return false;
            slot.Requests = requests;
            _totalRequests += n;
            last = _serverSeq += n;
            return true;
        }
    }

    private sealed class Counter(InMemoryStateStore store, SlotHandle slot) : ReplyCounter
    {
        protected override Counting TakeServerSeqs(Span<SeqPair> seqs, long requests)
        {
            if (!store.TryTake(slot, seqs.Length, requests, out var last)) return Counting.Lost;
            for (var i = 0; i < seqs.Length; i++) seqs[i] = seqs[i] with { ServerSeq = last - seqs.Length + 1 + i };
            return Counting.Counted;
        }
    }

    public FoldHoldResult HoldFold(string name)
    {
        lock (_sync)
        {
            var holder = _holds.Values.FirstOrDefault(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            if (holder is not null) return new FoldHoldResult(ClaimStatus.Taken, default, holder);
            _holds[++_nextToken] = name;
            return new FoldHoldResult(ClaimStatus.Claimed, new SlotHandle(-1, _nextToken), null);
        }
    }

    public bool Release(SlotHandle handle) { lock (_sync) return handle.Index == -1 ? _holds.Remove(handle.Token) : ReleaseLocked(handle); }

    private bool ReleaseLocked(SlotHandle handle)
    {
        if (Get(handle) is not { } slot) return false;
        _slots[handle.Index] = null;
        _byName.Remove(slot.Name);
        return true;
    }

    public bool TryFind(string name, out ClientEntry entry) { lock (_sync) return TryFindLocked(name, out entry); }

    private bool TryFindLocked(string name, out ClientEntry entry)
    {
        if (_byName.TryGetValue(name, out var index) && _slots[index] is { } slot)
        {
            entry = new ClientEntry(slot.Name, node, slot.Requests, slot.Since, slot.Token);
            return true;
        }
        entry = null!;
        return false;
    }

    public StateSnapshot Snapshot()
    {
        lock (_sync)
            return new([new NodeEntry(node, Environment.ProcessId, true, _started, DateTimeOffset.UtcNow)],
                [.. _slots.OfType<Slot>().Select(s => new ClientEntry(s.Name, node, s.Requests, s.Since, s.Token))],
                _serverSeq, _totalRequests, _totalRegistrations);
    }

    public Census Census() { lock (_sync) return new(_byName.Count, [node]); }

    public int Maintain() => 0;

    // One node: no other node's handshakes to check.
    public void PublishAkkaUid(int uid) { }

    public IReadOnlyDictionary<string, int>? NodeUids() => new Dictionary<string, int>();

    public void Dispose() { }

    private Slot? Get(SlotHandle h) =>
        (uint)h.Index < (uint)_slots.Length && _slots[h.Index] is { } s && s.Token == h.Token ? s : null;
}
