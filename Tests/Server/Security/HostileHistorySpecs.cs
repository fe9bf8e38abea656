using System.Text.Json;
using Akka.Actor;

namespace Switchboard.Tests.Server.Security;

/// <summary>
/// The history's wire messages (<see cref="HistoryQuery"/>, <see cref="ChatCommand"/>) from a raw Akka.Remote peer,
/// not the product client, against a real server keeping history: its own session used outside its rights, another
/// client's session whose capability leaked, forged senders, and a flood. Nobody else's history reaches it, and the
/// server serves the others throughout.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileHistorySpecs(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sbhostile-history-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A server keeping history, and alice and bob connected to it.</summary>
    private sealed record Secrets(ServerNode Server, ClientSession Alice, ClientSession Bob) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bob.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    /// <summary>alice (reserved) and bob share #vault and DMs, all kept.</summary>
    private async Task<Secrets> SecretsAsync()
    {
        var server = await ServerNode.StartAsync(extra: ["--data", Path.Combine(_dir, "data")]);
        ClientSession? alice = null, bob = null;
        try
        {
            var password = Path.Combine(_dir, "alice-password");
            File.WriteAllText(password, "down-the-rabbit-hole-42\n");
            File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            alice = await server.ConnectAsync("alice", "--password-file", password);
            bob = await server.ConnectAsync("bob");
            Assert.Equal(200, Code(await alice.SendAsync("reserve")));
            Assert.Equal(200, Code(await alice.SendAsync("join #vault")));
            Assert.Equal(200, Code(await bob.SendAsync("join #vault")));
            Assert.Equal(200, Code(await bob.SendAsync("say #vault vault secret")));
            Assert.Equal(200, Code(await bob.SendAsync("tell alice dm secret")));
            Assert.Equal(200, Code(await alice.SendAsync("tell bob dm secret back")));
            return new Secrets(server, alice, bob);
        }
        catch
        {
            if (alice is not null) await alice.DisposeAsync();
            if (bob is not null) await bob.DisposeAsync();
            await server.DisposeAsync();
            throw;
        }
    }

    private static int Code(JsonElement reply) => reply.GetProperty("code").GetInt32();

    /// <summary>Registers <paramref name="name"/> with <paramref name="client"/> (the peer's inbox by default) as its client.</summary>
    private static async Task<Registered> RegisterAsync(HostilePeer peer, ServerNode server, string name, IActorRef? client = null)
    {
        peer.At($"switchboard@{server.Address}", "/user/gateway").Tell(new Register(name), client ?? peer.Inbox.Receiver);
        if (client is not null) return (Registered)await client.Ask(Flooder.Registration.Instance, Wait.Scaled());
        while (true)
            if (await peer.Inbox.ReceiveAsync(Wait.Scaled()) is Registered r) return r;
    }

    private static IActorRef Resolve(HostilePeer peer, string path) => ((ExtendedActorSystem)peer.System).Provider.ResolveActorRef(path);

    private static List<object> Drain(HostilePeer peer) => peer.Drain(TimeSpan.FromMilliseconds(500));

    // Nothing kept between alice and bob, nor said in #vault, in anything a peer received.
    private static void RevealsNothing(IEnumerable<object> received)
    {
        foreach (var m in received)
        {
            Assert.False(m is Incoming, $"a peer got a message: {m}");
            if (m is HistoryReply h) Assert.Empty(h.Messages);
            Assert.DoesNotContain("secret", m.ToString() ?? "");
        }
    }

    private static async Task ServesAsync(ClientSession alice)
    {
        var page = await alice.SendAsync("history #vault");
        Assert.Equal(["vault secret"], page.GetProperty("messages").EnumerateArray().Select(l => l.GetProperty("text").GetString()));
        var dms = await alice.SendAsync("history bob");
        Assert.Equal(["dm secret", "dm secret back"], dms.GetProperty("messages").EnumerateArray().Select(l => l.GetProperty("text").GetString()));
        Assert.Equal(200, Code(await alice.SendAsync("prime 97")));
    }

    [Fact]
    public async Task A_raw_peer_reads_nothing_of_others_through_its_own_session_a_leaked_one_or_a_forged_sender()
    {
        await using var secrets = await SecretsAsync();
        var (server, alice) = (secrets.Server, secrets.Alice);
        using var carolPeer = new HostilePeer();
        using var mallory = new HostilePeer();
        var carol = await RegisterAsync(carolPeer, server, "carol");
        var own = await RegisterAsync(mallory, server, "mallory");
        var me = mallory.Inbox.Receiver;
        // What leaked to mallory is paths: carol's session, and carol's client actor (on carol's actor system), once with
        // its actor's uid and once without.
        var carolsSession = Resolve(mallory, carol.Session.Path.ToString());
        var carolsAddress = ((ExtendedActorSystem)carolPeer.System).Provider.DefaultAddress;
        var carolsClient = Resolve(mallory, carolPeer.Inbox.Receiver.Path.ToSerializationFormatWithAddress(carolsAddress));
        var carolsPath = Resolve(mallory, carolPeer.Inbox.Receiver.Path.ToStringWithAddress(carolsAddress));
        HistoryQuery[] queries =
        [
            new(1, "#vault", HistoryAnchor.Latest, 0, 100), new(2, "alice", HistoryAnchor.After, 0, 100),
            new(3, "bob", HistoryAnchor.Around, 1, 100), new(4, "@alice@bob", HistoryAnchor.Latest, 0, 100),
            new(5, "#vault", HistoryAnchor.Before, long.MaxValue, int.MaxValue), new(6, "vault", HistoryAnchor.None, -1, -1),
        ];
        // Command 10 carries the most arguments a frame may (more is refused at decode, unanswered: SerializerSpecs).
        ChatCommand[] commands =
        [
            new(7, "markread", ["#vault", "1"]), new(8, "markread", ["alice", "1"]), new(9, "markread", []),
            new(10, "markread", [.. Enumerable.Repeat("x", Limits.MaxArgs)]), new(11, "history", ["#vault"]), new(12, new string('v', 100_000), []),
        ];
        ISwitchboardMessage[] attacks = [.. queries, .. commands];

        // 1. Her own session, beyond her rights: refused (403 not a member / a guest's DMs, 422 malformed, 300 unknown).
        foreach (var m in attacks) own.Session.Tell(m, me);
        var answers = new Dictionary<long, int>();
        while (answers.Count < attacks.Length)
            if (await mallory.Inbox.ReceiveAsync(Wait.Scaled()) is IReply r)
            {
                answers[r.Id] = r.Code;
                // An unknown verb is named in the answer, cut to a name's length: a huge verb buys no huge answer.
                if (r.Id == 12) Assert.True(r.Error!.Length < 64, $"an answer of {r.Error.Length} characters");
            }
        Assert.Equal([403, 403, 403, 422, 403, 403, 403, 403, 422, 422, 300, 300], answers.OrderBy(a => a.Key).Select(a => a.Value));

        // 2. carol's session, its capability leaked to mallory: nothing run, and nothing answered (mallory is not on the
        // connection of carol's client: a session answers a stranger only there); checked with the rest below.
        foreach (var m in attacks) carolsSession.Tell(m, me);

        // 3. No sender, and forged senders naming carol's client, on mallory's own session and on carol's (by path alone,
        // and with the uid too: both secrets leaked). A sender at another address than mallory's own is dropped by the
        // node's transport before any actor sees it (RootSenderSpecs), so none runs with carol's rights nor is answered to
        // her; the message without a sender is carol's session's stranger, unanswered.
        foreach (var m in attacks)
        {
            carolsSession.Tell(m, ActorRefs.NoSender);
            own.Session.Tell(m, carolsClient);
            carolsSession.Tell(m, carolsPath);
            carolsSession.Tell(m, carolsClient);
        }
        // A barrier through mallory's own association, then one through carol's session; then nothing more may come.
        Assert.IsType<Registered>(await RegisterAsync(mallory, server, "mallory2"));
        carol.Session.Tell(new ChatCommand(99, "rooms", []), carolPeer.Inbox.Receiver);
        var toCarol = new List<object>();
        while (!toCarol.OfType<IReply>().Any(r => r.Id == 99)) toCarol.Add(await carolPeer.Inbox.ReceiveAsync(Wait.Scaled()));
        var toMallory = Drain(mallory);
        toCarol.AddRange(Drain(carolPeer));
        Assert.DoesNotContain(toMallory, m => m is IReply);
        Assert.Equal([99L], toCarol.OfType<IReply>().Select(r => r.Id));

        RevealsNothing(toMallory.Concat(toCarol));
        await ServesAsync(alice);
        // Logged by the session's log actor, in no fixed order with the answers: waited for.
        await server.Process.WaitForStdErrAsync("refused a message from", Wait);
        await server.Process.WaitForStdErrAsync("at another address", Wait);
    }

    [Fact]
    public async Task A_flood_of_history_queries_and_chat_commands_is_rate_limited_and_others_are_served()
    {
        await using var secrets = await SecretsAsync();
        var (server, alice) = (secrets.Server, secrets.Alice);
        using var mallory = new HostilePeer();
        var rssBefore = Rss(server.Process.Pid);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var flooder = mallory.System.ActorOf(Props.Create(() => new Flooder()));
        await RegisterAsync(mallory, server, "mallory", flooder);

        const int Sent = 20_000;
        flooder.Tell(new Flooder.Flood(Sent));
        var codes = new List<int>();
        for (var i = 0; i < 20; i++) codes.Add(Code(await alice.SendAsync($"prime {i}")));
        await ServesAsync(alice);
        // Once a request sent after the flood is answered, so is (or was dropped) everything before it.
        var answered = (Dictionary<int, int>)await flooder.Ask(Flooder.Settle.Instance, TimeSpan.FromMinutes(2).Scaled());
        var seconds = clock.Elapsed.TotalSeconds;

        Assert.All(codes, c => Assert.Equal(200, c));
        var tally = string.Join(", ", answered.Select(a => $"{a.Key}: {a.Value}"));
        Assert.True(answered.Keys.All(c => c is Codes.Ok or Codes.Forbidden or Codes.RateLimited), tally);
        // What was served, and so what could cost work or memory, is what the rate limit lets through in the time the
        // flood took (burst 400, then 200 a second), never what was sent; the rest was answered 429 or dropped unanswered.
        var served = answered.Where(a => a.Key != Codes.RateLimited).Sum(a => a.Value);
        output.WriteLine($"{Sent} sent; answered by code: {tally}; {served} served in {seconds:0.0} s; dropped unanswered: {Sent - answered.Values.Sum()}");
        Assert.True(served <= 400 + 200 * seconds, $"{served} served in {seconds:0.0} s ({tally})");
        Assert.True(answered.GetValueOrDefault(Codes.RateLimited) > 0, tally);
        Assert.Empty((object[])await flooder.Ask(Flooder.Leaks.Instance, Wait.Scaled()));
        var grown = Rss(server.Process.Pid) - rssBefore;
        output.WriteLine($"server memory: {rssBefore >> 20} MiB before, {(rssBefore + grown) >> 20} MiB after");
        Assert.True(grown < 256L << 20, $"the server grew by {grown >> 20} MiB");
        await ServesAsync(alice);
    }

    private static long Rss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    /// <summary>The flooding client, registered as itself so its session takes its messages as its client's: markread
    /// commands and history queries of #vault (refused) and of a room it joined (read from the store), as fast as it can
    /// send them. It tallies the answers by code and keeps anything that would reveal a message; <see cref="Settle"/>
    /// sends a probe after the flood until one is answered 200 (a request, then a query of its room, which the store
    /// answers after every query before it) and answers the tally.</summary>
    private sealed class Flooder : ReceiveActor, IWithTimers
    {
        private const string Room = "#mallory";
        private readonly Dictionary<int, int> _codes = [];
        private readonly List<object> _leaks = [];
        private IActorRef _session = ActorRefs.Nobody;
        private IActorRef? _registrationAsker, _settleAsker;
        private Registered? _registered;
        private long _probe;
        private bool _querying, _joined;

        public ITimerScheduler Timers { get; set; } = null!;

        public Flooder()
        {
            Receive<Registration>(_ =>
            {
                if (_joined) Sender.Tell(_registered);
                else _registrationAsker = Sender;
            });
            Receive<Registered>(r =>
            {
                _registered = r;
                _session = r.Session;
                _session.Tell(new JoinRoom(-1, Room));
            });
            Receive<Flood>(f =>
            {
                for (var i = 1; i <= f.Count; i++)
                    _session.Tell(i % 3 == 0 ? new ChatCommand(i, "markread", ["alice", "1"])
                        : new HistoryQuery(i, i % 3 == 1 ? Room : "#vault", HistoryAnchor.Latest, 0, 100));
            });
            Receive<Settle>(_ =>
            {
                _settleAsker = Sender;
                Probe();
            });
            Receive<Retry>(_ => Probe());
            Receive<IReply>(r =>
            {
                if (r.Id == -1)
                {
                    _joined = true; // in its room: the flood may start
                    _registrationAsker?.Tell(_registered);
                    return;
                }
                if (r.Id < -1)
                {
                    if (r.Id != _probe) return;
                    if (r.Code != Codes.Ok) return; // its retry is on the timer
                    if (_querying)
                    {
                        Timers.Cancel("retry");
                        _settleAsker?.Tell(new Dictionary<int, int>(_codes));
                        return;
                    }
                    _querying = true;
                    Probe();
                    return;
                }
                _codes[r.Code] = _codes.GetValueOrDefault(r.Code) + 1;
                if (r is HistoryReply { Messages.Length: > 0 } h && h.Conversation != Room) _leaks.Add(h);
            });
            Receive<Incoming>(m => _leaks.Add(m));
            Receive<Leaks>(_ => Sender.Tell(_leaks.ToArray()));
            ReceiveAny(_ => { });
        }

        // A fresh id each time: an answer to an earlier probe (429, or late) never counts as this one's.
        private void Probe()
        {
            _probe = _probe == 0 ? -2 : _probe - 1;
            _session.Tell(_querying ? new HistoryQuery(_probe, Room, HistoryAnchor.Latest, 0, 1) : new Request(_probe, "prime", ["7"]));
            Timers.StartSingleTimer("retry", Retry.Instance, TimeSpan.FromMilliseconds(200));
        }

        public sealed record Flood(int Count);

        public sealed record Registration
        {
            public static readonly Registration Instance = new();
        }

        public sealed record Settle
        {
            public static readonly Settle Instance = new();
        }

        public sealed record Leaks
        {
            public static readonly Leaks Instance = new();
        }

        private sealed record Retry
        {
            public static readonly Retry Instance = new();
        }
    }
}
