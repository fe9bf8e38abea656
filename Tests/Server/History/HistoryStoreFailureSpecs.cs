using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using Npgsql;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// A data store that cannot be read, as cluster mode meets PostgreSQL down (Npgsql's "Failed to connect"): the
/// conversation logs one short line naming the cause (no stack: the cause is not in this code), the read failure is
/// counted, and the monitoring endpoint says the node is degraded while it still serves (200).
/// </summary>
public sealed class HistoryStoreFailureSpecs() : TestKit(AccountTestConfig.TestJournal())
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly Conversation AliceBob = Conversation.Direct("bob", "alice");

    private HistorySettings Settings => HistorySettings.Create(Sys.Settings.Config);

    private ITestJournal Journal => TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));

    private static Exception Refused() => new NpgsqlException("Failed to connect to 127.0.0.1:48300", new SocketException((int)SocketError.ConnectionRefused));

    private sealed class Unreachable : IJournalInterceptor
    {
        public Task InterceptAsync(Akka.Persistence.IPersistentRepresentation message) => Task.FromException(Refused());
    }

    /// <summary>A conversation with one kept message, then a fresh history actor whose conversation must read it back.</summary>
    private async Task<IActorRef> UnreadableConversation(SwitchboardMetrics metrics)
    {
        var first = Sys.ActorOf(HistoryActor.Props(Settings, TimeProvider.System));
        first.Tell(new Post(AliceBob, 1, "bob", "hi"));
        ExpectMsg<Posted>(Wait);
        Sys.Stop(first);
        await Journal.OnRecovery.SetInterceptorAsync(new Unreachable());
        return Sys.ActorOf(HistoryActor.Props(Settings, TimeProvider.System, metrics: metrics));
    }

    [Fact]
    public async Task A_conversation_the_store_cannot_read_logs_one_line_naming_the_cause_and_counts_a_read_failure()
    {
        using var metrics = new SwitchboardMetrics();
        using var counted = new CounterReader("switchboard.store.read_failures");
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors, typeof(Error));
        var history = await UnreadableConversation(metrics);

        history.Tell(new ReadHistory(AliceBob, 7, HistoryAnchor.Latest, 0, 10)); // answered 503 (the spec below)

        var line = errors.ExpectMsg<Error>(Wait);
        Assert.Null(line.Cause); // no stack
        Assert.Equal("conversation @alice@bob: could not be read from the store: PostgreSQL: Failed to connect to 127.0.0.1:48300: Connection refused",
            line.Message.ToString());
        errors.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // not a second line (Akka's own, with the stack)
        Assert.Equal(1, counted.Total);
        await Journal.OnRecovery.Pass();
    }

    private sealed class DiskFull : IJournalInterceptor
    {
        public Task InterceptAsync(Akka.Persistence.IPersistentRepresentation message) =>
            Task.FromException(new Microsoft.Data.Sqlite.SqliteException("SQLite Error 13: 'database or disk is full'.", 13));
    }

    // A full disk answered a kept message "history store unavailable; try again", while a reserve on the same disk said
    // the store is full (an operator tester's finding): the sender is told what the operator must fix.
    [Fact]
    public async Task A_kept_message_the_full_disk_could_not_write_is_answered_503_saying_the_store_is_full()
    {
        var history = Sys.ActorOf(HistoryActor.Props(Settings, TimeProvider.System));
        await Journal.OnWrite.SetInterceptorAsync(new DiskFull());
        history.Tell(new Post(AliceBob, 1, "bob", "hi"));
        var refused = ExpectMsg<HistoryFailed>(Wait);
        Assert.Equal((1L, Codes.Unavailable, HistoryText.StoreFull), (refused.Ticket, refused.Code, refused.Error));
        await Journal.OnWrite.Pass();
        history.Tell(new Post(AliceBob, 2, "bob", "hi again"));
        Assert.Equal(1, ExpectMsg<Posted>(Wait).MsgId); // written once there is room, under the first id
    }

    // Seen against a real cluster with PostgreSQL stopped: each DM or room message to a conversation being read back
    // waited the session's timeout (10 s) and then heard "it did not answer in time, so the message may still be kept",
    // though the read had failed at once and nothing of it was written.
    [Fact]
    public async Task What_came_while_an_unreadable_conversation_was_read_back_is_answered_503_at_once()
    {
        using var metrics = new SwitchboardMetrics();
        var history = await UnreadableConversation(metrics);

        history.Tell(new ReadHistory(AliceBob, 7, HistoryAnchor.Latest, 0, 10));
        history.Tell(new Post(AliceBob, 8, "bob", "again"));

        var answers = new[] { ExpectMsg<HistoryFailed>(TimeSpan.FromSeconds(3)), ExpectMsg<HistoryFailed>(TimeSpan.FromSeconds(3)) };
        Assert.Equal([7L, 8L], answers.Select(a => a.Ticket).Order());
        Assert.All(answers, a => Assert.Equal(Codes.Unavailable, a.Code));
        Assert.All(answers, a => Assert.Equal(HistoryText.Unavailable, a.Error));
        await Journal.OnRecovery.Pass();
    }

    // The same for an inbox (a reserved name's held DMs and read markers): a DM to hold, a read marker, a list's count
    // asked while it was read back waited their askers' timeouts.
    [Fact]
    public async Task What_came_while_an_unreadable_inbox_was_read_back_is_answered_at_once()
    {
        var first = Sys.ActorOf(HistoryActor.Props(Settings, TimeProvider.System));
        first.Tell(new Post(AliceBob, 1, "bob", "hi"));
        ExpectMsg<Posted>(Wait);
        first.Tell(new MarkReadUpTo("alice", 2, AliceBob, 1));
        ExpectMsg<MarkedOk>(Wait); // the inbox has an event to read back
        Sys.Stop(first);
        await Journal.OnRecovery.SetInterceptorAsync(new Unreachable());
        var history = Sys.ActorOf(HistoryActor.Props(Settings, TimeProvider.System));

        history.Tell(new Hold("alice", 7, AliceBob, 1));
        history.Tell(new ReadMarkers("alice", 8, null));

        var held = ExpectMsg<HistoryFailed>(TimeSpan.FromSeconds(3));
        // Not "try again": the message is in its conversation already, and a resend would keep it twice.
        Assert.Equal((7L, Codes.Unavailable, HistoryText.KeptNotHeld("alice")), (held.Ticket, held.Code, held.Error));
        var markers = ExpectMsg<MarkersRead>(TimeSpan.FromSeconds(3));
        Assert.Equal((8L, 0), (markers.Ticket, markers.Markers.Length));
        await Journal.OnRecovery.Pass();
    }

    [Fact]
    public async Task The_monitoring_endpoint_says_degraded_with_the_cause_while_the_store_fails_and_ok_once_it_reads_again()
    {
        using var metrics = new SwitchboardMetrics();
        var port = FreePorts.Next();
        await using var endpoint = await MonitorEndpoint.StartAsync(new MonitorAddress(IPAddress.Loopback, port),
            new MonitorEndpoint.Context("127.0.0.1:1", "test", DateTimeOffset.UtcNow, new Ready(), metrics,
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal("ok", (await Health(http)).Status);

        var history = await UnreadableConversation(metrics);
        history.Tell(new ReadHistory(AliceBob, 7, HistoryAnchor.Latest, 0, 10));

        var degraded = await Health(http);
        for (var until = DateTime.UtcNow + Wait; degraded.Status == "ok" && DateTime.UtcNow < until; degraded = await Health(http))
            await Task.Delay(50);
        Assert.Equal((HttpStatusCode.OK, "degraded"), (degraded.Code, degraded.Status)); // still serving: not 503
        Assert.Matches(@"^the data store failed \d+ s ago: PostgreSQL: Failed to connect to 127\.0\.0\.1:48300: Connection refused$", degraded.Reason);
        using (var status = JsonDocument.Parse(await http.GetStringAsync("/status")))
        {
            Assert.Equal("degraded", status.RootElement.GetProperty("status").GetString());
            Assert.Equal(degraded.Reason, status.RootElement.GetProperty("reason").GetString());
        }

        // The store answers again: the next read succeeds, and the word goes with it.
        await Journal.OnRecovery.Pass();
        history.Tell(new ReadHistory(AliceBob, 8, HistoryAnchor.Latest, 0, 10));
        var page = (HistoryPage)FishForMessage(m => m is HistoryPage { Ticket: 8 }, Wait); // ticket 7 may be answered first
        Assert.Equal("hi", Assert.Single(page.Lines).Text);
        Assert.Equal((HttpStatusCode.OK, "ok", null), await Health(http));
    }

    private static async Task<(HttpStatusCode Code, string? Status, string? Reason)> Health(HttpClient http)
    {
        using var answer = await http.GetAsync("/healthz");
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return (answer.StatusCode, json.RootElement.GetProperty("status").GetString(),
            json.RootElement.TryGetProperty("reason", out var r) ? r.GetString() : null);
    }

    private sealed class Ready : INodeView
    {
        public Task<RegistryView> ReadAsync(CancellationToken ct) => Task.FromResult(new RegistryView("cluster", [], 0, 0, 0, 0, null));
    }

    /// <summary>Adds up one of the Switchboard meter's counters as the node's exporter would see it.</summary>
    private sealed class CounterReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public CounterReader(string name)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == SwitchboardMetrics.MeterName && i.Name == name) l.EnableMeasurementEvents(i);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
