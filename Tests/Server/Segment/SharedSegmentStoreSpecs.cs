using System.Buffers.Binary;
using static Switchboard.Tests.Server.Segment.StateTestSupport;

namespace Switchboard.Tests.Server.Segment;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class SharedSegmentStoreSpecs
{
    [Fact]
    public void Creates_the_segment_file_with_mode_0600()
    {
        using var seg = new TestSegment();
        using (var store = OpenStore(seg))
        {
            Assert.True(File.Exists(seg.Path));
            Assert.True(OperatingSystem.IsLinux());
            if (OperatingSystem.IsLinux())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(seg.Path));
            Assert.Equal(SegmentLayout.TotalSize, new FileInfo(seg.Path).Length);
        }
    }

    [Fact]
    public void Registration_counts_as_reply_one_and_requests_add_one_each()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var alice = store.Claim("alice");
        Assert.Equal(ClaimStatus.Claimed, alice.Status);
        Assert.Equal(new SeqPair(1, 1), alice.Seq);
        var bob = store.Claim("bob");
        Assert.Equal(new SeqPair(1, 2), bob.Seq);

        var aliceCounter = store.CounterFor(alice.Slot);
        Assert.Equal(new SeqPair(2, 3), aliceCounter.Next());
        Assert.Equal(new SeqPair(3, 4), aliceCounter.Next());
        Assert.Equal(new SeqPair(2, 5), store.CounterFor(bob.Slot).Next());

        var snap = store.Snapshot();
        Assert.Equal(5, snap.ServerSeq);
        Assert.Equal(3, snap.TotalRequests);
        Assert.Equal(2, snap.TotalRegistrations);
        Assert.Equal(2, snap.Clients.Single(c => c.Name == "alice").Requests);
        Assert.Equal(1, snap.Clients.Single(c => c.Name == "bob").Requests);
        Assert.All(snap.Clients, c => Assert.Equal("127.0.0.1:4053", c.Node));
        var node = Assert.Single(snap.Nodes);
        Assert.True(node.Alive);
        Assert.Equal(Environment.ProcessId, node.Pid);
    }

    // Sessions count on their own threads: a number taken by one while another, later, has already recorded a higher
    // one is not a number "written backwards" (a loaded run once lost serverSeq 407 of 1,600 so).
    [Fact]
    public void Sessions_counting_at_once_give_every_server_seq_exactly_once_with_no_gap()
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        const int threads = 4, each = 25_000;
        var counters = Enumerable.Range(0, threads).Select(i => store.CounterFor(store.Claim($"c{i}").Slot)).ToArray();
        var taken = new long[threads][];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = new long[each];
            var one = new SeqPair[1];
            for (var i = 0; i < each; i++)
            {
                counters[t].TryCount(one);
                mine[i] = one[0].ServerSeq;
            }
            taken[t] = mine;
        })).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        Assert.Equal(Enumerable.Range(threads + 1, threads * each).Select(i => (long)i), taken.SelectMany(x => x).Order());
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public void A_name_is_unique_and_freed_on_release()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var first = store.Claim("carol");
        Assert.Equal(ClaimStatus.Taken, store.Claim("carol").Status);
        Assert.Equal(ClaimStatus.Claimed, store.Claim("Carol").Status); // case-sensitive names
        Assert.True(store.Release(first.Slot));
        Assert.False(store.TryFind("carol", out _));
        Assert.Equal(ClaimStatus.Claimed, store.Claim("carol").Status);
    }

    [Fact]
    public void A_stale_handle_can_neither_count_nor_free_the_slots_next_owner()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var old = store.Claim("dave");
        Assert.True(store.Release(old.Slot));
        var next = store.Claim("erin");
        Assert.Equal(old.Slot.Index, next.Slot.Index); // the same slot is reused ...
        Assert.NotEqual(old.Slot.Token, next.Slot.Token); // ... under a new token
        Assert.Equal(Counting.Lost, store.CounterFor(old.Slot).CountOne(out _));
        Assert.False(store.Release(old.Slot));
        Assert.True(store.TryFind("erin", out var erin));
        Assert.Equal(0, erin.Requests);
        Assert.Equal(Counting.Lost, store.CounterFor(new SlotHandle(-1, 1)).CountOne(out _));
        Assert.Equal(Counting.Lost, store.CounterFor(new SlotHandle(SegmentLayout.ClientCapacity, 1)).CountOne(out _));
        Assert.Equal(2, store.Snapshot().ServerSeq); // the two registrations only: nothing counted for a stale handle
        Assert.False(store.Release(new SlotHandle(int.MaxValue, 1)));
    }

    [Fact]
    public void A_batch_is_counted_in_one_step_with_consecutive_numbers()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var alice = store.Claim("alice");
        var bob = store.Claim("bob");
        var aliceCounter = store.CounterFor(alice.Slot);
        Assert.Equal(new SeqPair(6, 7), aliceCounter.Batch(5)); // replies 2..6 of alice, serverSeq 3..7
        Assert.Equal(new SeqPair(2, 8), store.CounterFor(bob.Slot).Next());
        var snap = store.Snapshot();
        Assert.Equal((8L, 6L), (snap.ServerSeq, snap.TotalRequests));
        Assert.Equal(5, snap.Clients.Single(c => c.Name == "alice").Requests);
        Assert.True(store.Release(alice.Slot));
        Assert.Equal(Counting.Lost, aliceCounter.TryCount(new SeqPair[3]));
        Assert.Equal(8, store.Snapshot().ServerSeq); // nothing counted for a lost slot
    }

    [Fact]
    public void Claim_reports_full_when_every_slot_is_taken()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        for (var i = 0; i < SegmentLayout.ClientCapacity; i++)
            Assert.Equal(ClaimStatus.Claimed, store.Claim("c" + i).Status);
        Assert.Equal(ClaimStatus.Full, store.Claim("one-too-many").Status);
    }

    [Fact]
    public void Invalid_names_are_refused_before_touching_the_segment()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        Assert.Throws<ArgumentException>(() => store.Claim("no spaces"));
        Assert.Throws<ArgumentException>(() => store.Claim(new string('x', 33)));
        Assert.False(store.TryFind("", out _));
        Assert.Equal(0, store.Snapshot().ServerSeq);
    }

    [Fact]
    public void Two_nodes_in_one_process_share_names_and_counters()
    {
        using var seg = new TestSegment();
        using var a = OpenStore(seg, "127.0.0.1:4053");
        using var b = OpenStore(seg, "127.0.0.1:4054");
        Assert.NotEqual(a.NodeIndex, b.NodeIndex);
        var alice = a.Claim("alice");
        Assert.Equal(ClaimStatus.Taken, b.Claim("alice").Status);
        var bob = b.Claim("bob");
        Assert.Equal(new SeqPair(1, 2), bob.Seq);
        Assert.Equal(new SeqPair(2, 3), a.CounterFor(alice.Slot).Next());
        Assert.True(a.TryFind("bob", out var found));
        Assert.Equal("127.0.0.1:4054", found.Node);
        Assert.Equal(2, b.Snapshot().Nodes.Count);
    }

    // A reserve's hold of its folded name (a hostile tester reserved carol2 and Carol2 through two nodes at once, and
    // both were kept): one holder per folded name across the segment's nodes, told by name; no client in any view and no
    // registration; kept by maintenance beside its reserver's own slot of the same name; freed by its release or with its node.
    [Fact]
    public void A_fold_hold_shuts_out_case_variants_on_every_node_and_is_no_client()
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var a = OpenStore(seg, "127.0.0.1:4053", log: log);
        var b = OpenStore(seg, "127.0.0.1:4054");
        try
        {
            Assert.Equal(ClaimStatus.Claimed, a.Claim("carol2").Status);
            var hold = a.HoldFold("carol2");
            Assert.Equal(ClaimStatus.Claimed, hold.Status);

            Assert.Equal((ClaimStatus.Taken, "carol2"), (b.HoldFold("Carol2").Status, b.HoldFold("Carol2").Holder));
            Assert.Equal(ClaimStatus.Taken, a.HoldFold("CAROL2").Status);
            Assert.Equal(ClaimStatus.Claimed, b.HoldFold("carol3").Status);
            Assert.Equal(ClaimStatus.Claimed, b.Claim("Carol2").Status); // names are still told apart by case
            Assert.False(a.TryFind("carol3", out _));
            var snapshot = a.Snapshot();
            Assert.Equal(["Carol2", "carol2"], snapshot.Clients.Select(c => c.Name));
            Assert.Equal((2, 2L), (a.Census().Clients, snapshot.TotalRegistrations));
            Assert.Equal(0, a.Maintain());
            Assert.Empty(log.Warnings);

            Assert.True(a.Release(hold.Slot));
            Assert.False(a.Release(hold.Slot));
            var other = b.HoldFold("Carol2");
            Assert.Equal(ClaimStatus.Claimed, other.Status);
            b.Dispose(); // its holds leave with it
            Assert.Equal(ClaimStatus.Claimed, a.HoldFold("cAROL2").Status);
            Assert.Equal(ClaimStatus.Claimed, a.HoldFold("carol3").Status);
        }
        finally { b.Dispose(); }
    }

    [Fact]
    public void The_last_node_to_leave_removes_the_segment()
    {
        using var seg = new TestSegment();
        var a = OpenStore(seg, "127.0.0.1:4053");
        var b = OpenStore(seg, "127.0.0.1:4054");
        try
        {
            b.Claim("bob");
            a.Dispose();
            Assert.True(File.Exists(seg.Path));
            Assert.True(File.Exists(seg.LockPath));
            var snap = b.Snapshot();
            Assert.Single(snap.Nodes);
            Assert.Equal("bob", Assert.Single(snap.Clients).Name);
            b.Dispose();
            Assert.False(File.Exists(seg.Path));
            Assert.False(File.Exists(seg.LockPath)); // the lock file goes with it
        }
        finally { a.Dispose(); b.Dispose(); }
    }

    [Fact]
    public void A_leaving_node_takes_its_clients_with_it()
    {
        using var seg = new TestSegment();
        using var a = OpenStore(seg, "127.0.0.1:4053");
        var b = OpenStore(seg, "127.0.0.1:4054");
        b.Claim("bob");
        a.Claim("alice");
        b.Dispose();
        Assert.Equal(["alice"], a.Snapshot().Clients.Select(c => c.Name));
        Assert.Equal(ClaimStatus.Claimed, a.Claim("bob").Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Maintain_reaps_a_dead_node_and_its_clients(bool reusedPid)
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        var alice = store.Claim("alice");
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
            AddGhostNode(map.Span, "ghost", 100, wrongStartTime: reusedPid);
        Assert.True(store.TryFind("ghost", out _));
        Assert.Equal(ClaimStatus.Taken, store.Claim("ghost").Status);

        Assert.Equal(1, store.Maintain());

        Assert.False(store.TryFind("ghost", out _));
        Assert.Single(store.Snapshot().Nodes);
        Assert.Contains(log.Warnings, w => w.Contains("10.9.9.9:1"));
        Assert.Equal(ClaimStatus.Claimed, store.Claim("ghost").Status);
        Assert.Equal(2, store.CounterFor(alice.Slot).Next().ClientSeq);
        Assert.Equal(0, store.Maintain());
    }

    [Fact]
    public async Task Maintain_heartbeats_this_node()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var before = store.Snapshot().Nodes.Single().Heartbeat;
        // The heartbeat is the wall clock's: maintain until the clock has moved on, rather than sleeping for it.
        await Eventually.HoldsAsync(() =>
        {
            store.Maintain();
            return store.Snapshot().Nodes.Single().Heartbeat > before;
        }, TimeSpan.FromSeconds(10), () => $"heartbeat stayed at {before}");
    }

    [Fact]
    public void A_stale_segment_of_a_crashed_run_is_reused_with_dead_nodes_reaped()
    {
        using var seg = new TestSegment();
        using (var map = SegmentMapping.CreateNew(seg.Path))
        {
            SegmentLayout.Initialize(map.Span, 3, 1, ProcessInfo.EffectiveUid());
            SegmentLayout.WriteWord(map.Span, SegmentLayout.OffServerSeq, 41);
            AddGhostNode(map.Span, "ghost", 7);
        }
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        var snap = store.Snapshot();
        Assert.Empty(snap.Clients);
        Assert.Single(snap.Nodes);
        Assert.Equal(41, snap.ServerSeq); // serverSeq counts since the segment was created: it carries on
        Assert.Equal(new SeqPair(1, 42), store.Claim("ghost").Seq);
        Assert.Contains(log.Warnings, w => w.Contains("gone"));
    }

    [Fact]
    public void A_torn_slot_found_at_start_up_is_dropped_and_logged()
    {
        using var seg = new TestSegment();
        using (var map = SegmentMapping.CreateNew(seg.Path))
        {
            SegmentLayout.Initialize(map.Span, 1, 1, ProcessInfo.EffectiveUid());
            var slot = SegmentLayout.SlotSpan(map.Span, 9);
            SegmentRow.BeginWrite(slot); // a writer died half way
            slot[20] = (byte)'!';
        }
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        Assert.Contains(log.Warnings, w => w.Contains("slot 9") && w.Contains("torn"));
        using var check = SegmentMapping.OpenExisting(seg.Path, writable: false);
        Assert.Equal(SlotCheck.Free, ClientSlots.Check(SegmentLayout.SlotSpan(check.ReadOnly, 9)));
    }

    [Fact]
    public void A_torn_slot_is_dropped_by_maintenance_and_never_counted_on_again()
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        var alice = store.Claim("alice");
        var counter = store.CounterFor(alice.Slot);
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
            SegmentRow.BeginWrite(SegmentLayout.SlotSpan(map.Span, alice.Slot.Index)); // a writer died here, unnoticed
        store.Maintain();
        Assert.Contains(log.Warnings, w => w.Contains("torn"));
        Assert.Equal(Counting.Lost, counter.CountOne(out _));
        Assert.Equal(ClaimStatus.Claimed, store.Claim("alice").Status);
    }

    [Fact]
    public void Maintain_drops_a_torn_slot_that_nobody_noticed()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var alice = store.Claim("alice");
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
            map.Span[SegmentLayout.ClientTableOffset + alice.Slot.Index * SegmentLayout.SlotSize + 20] ^= 0xFF;
        Assert.Equal(1, store.Maintain());
        Assert.Empty(store.Snapshot().Clients);
    }

    [Fact]
    public void Maintain_drops_duplicate_names_and_clients_of_missing_nodes()
    {
        using var seg = new TestSegment();
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        var alice = store.Claim("alice");
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
        {
            ClientSlots.Write(SegmentLayout.SlotSpan(map.Span, 500), new ClientSlot(store.NodeIndex, "alice", 0, 0, 77));
            ClientSlots.Write(SegmentLayout.SlotSpan(map.Span, 501), new ClientSlot((store.NodeIndex + 1) % 16, "orphan", 0, 0, 78));
        }
        Assert.Equal(2, store.Maintain());
        Assert.Contains(log.Warnings, w => w.Contains("duplicate"));
        Assert.Contains(log.Warnings, w => w.Contains("not in use"));
        Assert.Equal(Counting.Counted, store.CounterFor(alice.Slot).CountOne(out _)); // the first holder keeps the name
        Assert.Equal(["alice"], store.Snapshot().Clients.Select(c => c.Name));
    }

    [Fact]
    public void A_damaged_header_without_live_nodes_is_rebuilt()
    {
        using var seg = new TestSegment();
        using (var map = SegmentMapping.CreateNew(seg.Path))
        {
            SegmentLayout.Initialize(map.Span, 5, 1, ProcessInfo.EffectiveUid());
            map.Span[33] ^= 0x10; // generation changed under the checksum
        }
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        Assert.Contains(log.Warnings, w => w.Contains("rebuilding"));
        Assert.Equal(ClaimStatus.Claimed, store.Claim("alice").Status);
        var bytes = File.ReadAllBytes(seg.Path);
        Assert.Equal(SegmentLayout.HeaderCheck.Valid, SegmentLayout.CheckHeader(bytes, out _));
    }

    [Fact]
    public void An_empty_file_left_by_an_interrupted_creation_is_rebuilt()
    {
        using var seg = new TestSegment();
        File.WriteAllBytes(seg.Path, []);
        using var store = OpenStore(seg);
        Assert.Equal(ClaimStatus.Claimed, store.Claim("alice").Status);
    }

    [Fact]
    public void A_damaged_header_with_a_live_node_is_refused()
    {
        using var seg = new TestSegment();
        using var live = OpenStore(seg);
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
            map.Span[33] ^= 0x10;
        var e = Assert.Throws<SegmentException>(() => OpenStore(seg, "127.0.0.1:4054"));
        Assert.Equal(SegmentFault.CorruptWhileInUse, e.Fault);
    }

    [Fact]
    public void A_file_that_is_not_a_segment_is_refused_and_left_alone()
    {
        using var seg = new TestSegment();
        var junk = "not a switchboard segment, leave me alone"u8.ToArray();
        File.WriteAllBytes(seg.Path, junk);
        var e = Assert.Throws<SegmentException>(() => OpenStore(seg));
        Assert.Equal(SegmentFault.NotASegment, e.Fault);
        Assert.Equal(junk, File.ReadAllBytes(seg.Path));
    }

    [Fact]
    public void A_segment_of_another_layout_version_is_refused()
    {
        using var seg = new TestSegment();
        using (var map = SegmentMapping.CreateNew(seg.Path))
        {
            SegmentLayout.Initialize(map.Span, 1, 1, ProcessInfo.EffectiveUid());
            BinaryPrimitives.WriteUInt32LittleEndian(map.Span[8..], 99);
            SegmentLayout.ResealHeader(map.Span);
        }
        var e = Assert.Throws<SegmentException>(() => OpenStore(seg));
        Assert.Equal(SegmentFault.IncompatibleLayout, e.Fault);
        Assert.Contains("v99", e.Message);
    }

    [Fact]
    public void A_segment_created_by_another_uid_is_refused()
    {
        using var seg = new TestSegment();
        using (var map = SegmentMapping.CreateNew(seg.Path))
            SegmentLayout.Initialize(map.Span, 1, 1, ProcessInfo.EffectiveUid() + 1);
        var e = Assert.Throws<SegmentException>(() => OpenStore(seg));
        Assert.Equal(SegmentFault.NotOwned, e.Fault);
    }

    [Fact]
    public void A_node_whose_data_store_is_not_the_running_nodes_store_is_refused_and_one_reaching_it_by_another_path_is_not()
    {
        using var seg = new TestSegment();
        var dir = Directory.CreateTempSubdirectory("sb-store-");
        try
        {
            var ours = Path.Combine(dir.FullName, "a", "switchboard.db");
            Directory.CreateDirectory(Path.GetDirectoryName(ours)!);
            Directory.CreateDirectory(Path.Combine(dir.FullName, "b"));
            Directory.CreateSymbolicLink(Path.Combine(dir.FullName, "link"), Path.Combine(dir.FullName, "a"));
            SharedSegmentStore Open(string file) =>
                SharedSegmentStore.Open(seg.Name, $"127.0.0.1:{4053 + file.Length}", new ListLogger(), MutexTimeout, SharedSegmentStore.StoreDigest(file));

            using (var first = Open(ours))
            {
                // The same file through a symbolic link and a "..": the same store.
                using (Open(Path.Combine(dir.FullName, "link", "..", "link", "switchboard.db"))) { }
                var e = Assert.Throws<SegmentException>(() => Open(Path.Combine(dir.FullName, "b", "switchboard.db")));
                Assert.Equal(SegmentFault.OtherStore, e.Fault);
                Assert.Contains("same --data", e.Message);
                Assert.Throws<SegmentException>(() => Open(Path.Combine(dir.FullName, "a", "other.db")));
                // Tools that share no store are not checked.
                using (OpenStore(seg, "127.0.0.1:5000")) { }
            }
            // Once every node is gone, the segment takes the next node's store.
            using (Open(Path.Combine(dir.FullName, "b", "switchboard.db"))) { }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_bad_segment_name_is_refused()
    {
        var e = Assert.Throws<SegmentException>(() =>
            SharedSegmentStore.Open("../etc/passwd", "127.0.0.1:1", new ListLogger(), MutexTimeout));
        Assert.Equal(SegmentFault.BadName, e.Fault);
    }

    [Fact]
    public void A_lock_held_elsewhere_times_out_with_a_clear_message()
    {
        using var seg = new TestSegment();
        using var store = SharedSegmentStore.Open(seg.Name, "127.0.0.1:4053", new ListLogger(), TimeSpan.FromMilliseconds(200));
        using (new MutexHolder(seg.Name))
        {
            var e = Assert.Throws<TimeoutException>(() => store.Claim("alice"));
            Assert.Contains($"'{seg.LockPath}'", e.Message);
        }
        Assert.Equal(ClaimStatus.Claimed, store.Claim("alice").Status);
    }

    [Fact]
    public void The_reader_sees_a_consistent_snapshot_without_registering()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var alice = store.Claim("alice");
        store.CounterFor(alice.Slot).Next();
        var snap = SegmentReader.Read(seg.Name, MutexTimeout);
        Assert.Single(snap.Nodes);
        Assert.Equal(("alice", 1L), (snap.Clients.Single().Name, snap.Clients.Single().Requests));
        Assert.Equal(2, snap.ServerSeq);
        Assert.Single(store.Snapshot().Nodes);
    }

    [Fact]
    public void The_reader_reports_a_missing_segment_and_names_the_ones_that_exist()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var e = Assert.Throws<SegmentException>(() => SegmentReader.Read("sbtest-missing-" + Guid.NewGuid().ToString("N"), MutexTimeout));
        Assert.Equal(SegmentFault.Missing, e.Fault);
        // A new operator's finding: `inspect` without --segment said only "is a server running?" while run.sh's server ran
        // on a segment of its own.
        Assert.Contains("--segment", e.Message);
    }

    [Fact]
    public void The_segments_listed_are_the_users_files_that_have_their_lock_beside_them()
    {
        var dir = Directory.CreateTempSubdirectory("sbtest-shm-").FullName;
        try
        {
            foreach (var f in new[] { "alpha", "alpha.lock", "beta", "gamma.lock", "delta", "delta.lock", "bad name", "bad name.lock" })
                File.WriteAllText(Path.Combine(dir, f), "");
            Assert.Equal(["alpha", "delta"], SegmentMapping.SegmentsIn(dir, ProcessInfo.EffectiveUid()));
            Assert.Empty(SegmentMapping.SegmentsIn(dir, ProcessInfo.EffectiveUid() + 1));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // ---------------------------------------------------------------- the segment is 0600 and ours; its counters only grow

    const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    const UnixFileMode Mode0666 = Mode0600 | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>A valid segment of generation 3 left by a crashed run: a dead node with one client.</summary>
    static void StaleSegment(TestSegment seg, UnixFileMode mode)
    {
        using (var map = SegmentMapping.CreateNew(seg.Path))
        {
            SegmentLayout.Initialize(map.Span, 3, 1, ProcessInfo.EffectiveUid());
            AddGhostNode(map.Span, "ghost", 7);
        }
        File.SetUnixFileMode(seg.Path, mode);
    }

    static ulong GenerationOf(TestSegment seg) => SegmentLayout.Generation(File.ReadAllBytes(seg.Path));

    static ulong Inode(string path) => ProcessInfo.FileStatusOf(path).Inode;

    [Fact]
    public void A_stale_segment_open_to_other_users_is_rebuilt_as_a_new_0600_file_not_reused_as_is()
    {
        using var seg = new TestSegment();
        StaleSegment(seg, Mode0666);
        var before = Inode(seg.Path);
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        Assert.Contains(log.Warnings, w => w.Contains("rebuilding") && w.Contains("mode 0666 lets other users open it"));
        Assert.Equal(Mode0600, File.GetUnixFileMode(seg.Path));
        Assert.NotEqual(before, Inode(seg.Path)); // a new inode: a mapping another user kept of the old file writes into nothing of ours
        var snap = store.Snapshot();
        Assert.Equal(4UL, GenerationOf(seg));
        Assert.Empty(snap.Clients);
        Assert.Equal(0, snap.ServerSeq); // nothing carried over from the exposed file
    }

    [Fact]
    public void A_stale_0600_segment_is_reused_as_the_same_file()
    {
        using var seg = new TestSegment();
        StaleSegment(seg, Mode0600);
        var before = Inode(seg.Path);
        using var store = OpenStore(seg);
        Assert.Equal(before, Inode(seg.Path));
        Assert.Equal(3UL, GenerationOf(seg));
    }

    [Fact]
    public void A_segment_made_open_to_other_users_while_a_node_runs_is_refused_and_left_alone()
    {
        using var seg = new TestSegment();
        using var live = OpenStore(seg);
        File.SetUnixFileMode(seg.Path, Mode0666);
        var before = Inode(seg.Path);
        var e = Assert.Throws<SegmentException>(() => OpenStore(seg, "127.0.0.1:4054"));
        Assert.Equal(SegmentFault.NotOwned, e.Fault);
        Assert.Contains("mode 0666 lets other users open it", e.Message);
        Assert.Contains("is still alive", e.Message);
        Assert.Equal(before, Inode(seg.Path));
        var r = Assert.Throws<SegmentException>(() => SegmentReader.Read(seg.Name, MutexTimeout));
        Assert.Equal(SegmentFault.NotOwned, r.Fault);
    }

    [Fact]
    public void A_segment_file_of_another_user_is_refused()
    {
        Assert.Equal(0u, ProcessInfo.EffectiveUid()); // root may chown the file to nobody
        using var seg = new TestSegment();
        StaleSegment(seg, Mode0600);
        using (var p = System.Diagnostics.Process.Start("chown", ["65534", seg.Path])) p.WaitForExit();
        Assert.Equal(65534u, ProcessInfo.FileOwnerUid(seg.Path));
        var e = Assert.Throws<SegmentException>(() => OpenStore(seg));
        Assert.Equal(SegmentFault.NotOwned, e.Fault);
        Assert.Contains("belongs to uid 65534", e.Message);
        Assert.Equal(65534u, ProcessInfo.FileOwnerUid(seg.Path)); // left alone
    }

    [Fact]
    public void The_counters_a_store_leaves_pass_its_own_check_on_reopening()
    {
        using var seg = new TestSegment();
        using var a = OpenStore(seg, "127.0.0.1:4053");
        var alice = a.Claim("alice");
        var counter = a.CounterFor(alice.Slot);
        for (var i = 0; i < 5; i++) counter.Next();
        a.Release(a.Claim("bob").Slot);
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: false))
            Assert.True(SegmentRepair.CountersAreSane(map.ReadOnly, out var detail), detail);
        using var b = OpenStore(seg, "127.0.0.1:4054");
        Assert.True(b.TryFind("alice", out var found));
        Assert.Equal(5, found.Requests);
    }

    [Fact]
    public void A_stale_segment_whose_counters_went_backwards_is_rebuilt()
    {
        using var seg = new TestSegment();
        StaleSegment(seg, Mode0600);
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
            SegmentLayout.WriteWord(map.Span, SegmentLayout.OffNextToken, 5); // below the ghost's token 999,999
        var log = new ListLogger();
        using var store = OpenStore(seg, log: log);
        Assert.Contains(log.Warnings, w => w.Contains("rebuilding") && w.Contains("nextToken 5 is less than the token 999999"));
        Assert.Equal(4UL, GenerationOf(seg));
    }

    [Fact]
    public void Counters_that_went_backwards_under_a_live_node_are_refused()
    {
        using var seg = new TestSegment();
        using var live = OpenStore(seg);
        live.CounterFor(live.Claim("alice").Slot).Next();
        using (var map = SegmentMapping.OpenExisting(seg.Path, writable: true))
            SegmentLayout.WriteWord(map.Span, SegmentLayout.OffServerSeq, -3);
        var e = Assert.Throws<SegmentException>(() => OpenStore(seg, "127.0.0.1:4054"));
        Assert.Equal(SegmentFault.CorruptWhileInUse, e.Fault);
        Assert.Contains("out of range (serverSeq -3", e.Message);
        Assert.Equal(SegmentFault.Corrupt, Assert.Throws<SegmentException>(() => SegmentReader.Read(seg.Name, MutexTimeout)).Fault);
    }
}
