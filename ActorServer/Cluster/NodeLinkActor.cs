using Akka.Actor;

namespace Switchboard.Server.Cluster;

/// <summary>
/// This node's way to one other node's inbox for direct messages: the DMs this node's sessions send to that node's
/// clients (<see cref="NodeDirectory"/>) and the answers to that node's DMs (<see cref="ClusterInboxActor"/>). What
/// arrives while a batch waits for its turn goes in the same batch: one signed <see cref="RelayedBatch"/> crosses instead
/// of one message each. Nothing waits on a timer: a lone DM leaves at the link's next turn, and batches form only when
/// DMs come faster than the link sends them (a DM across nodes was two Akka.Remote messages, ~10 µs of CPU at each end
/// each, against a DM within one node: Benchmarks/README.md). The order of what one sender tells it is kept.
/// The node's Akka.Remote writer to that node is one actor per association already; this adds no shared step that was
/// not there but a list append. Made and stopped by <see cref="NodeLinks"/>.
/// </summary>
public sealed class NodeLinkActor : ReceiveActor
{
    /// <summary>Messages one batch carries at most (a reader refuses more).</summary>
    public const int MaxItems = 64;

    /// <summary>The most bytes a batch's messages may take (their text at three bytes a character, the most UTF-8 takes,
    /// and 64 for the rest of each), well inside the node port's frame (512,000 bytes; a DM's text is at most 4 KiB).</summary>
    public const int MaxBytes = 192 * 1024;

    private readonly IActorRef _target;
    private readonly IActorRef _inbox;
    private readonly string _origin;
    private readonly List<ISwitchboardMessage> _items = new(MaxItems);
    private int _bytes;

    /// <param name="target">The other node's inbox.</param>
    /// <param name="inbox">This node's inbox: the sender the other node sees, as with a single relayed message.</param>
    /// <param name="origin">This node's client-facing HOST:PORT.</param>
    public NodeLinkActor(IActorRef target, IActorRef inbox, string origin)
    {
        _target = target;
        _inbox = inbox;
        _origin = origin;
        Receive<Deliver>(m => Add(m, 3 * (m.From.Length + m.To.Length + m.Text.Length)));
        Receive<Delivered>(m => Add(m, 3 * (m.Error?.Length ?? 0)));
        Receive<Flush>(_ => Send());
    }

    public static Props Props(IActorRef target, IActorRef inbox, string origin) =>
        Akka.Actor.Props.Create(() => new NodeLinkActor(target, inbox, origin));

    private void Add(ISwitchboardMessage m, int bytes)
    {
        bytes += 64;
        if (_bytes + bytes > MaxBytes) Send();
        _items.Add(m);
        _bytes += bytes;
        // Behind whatever is in the mailbox now: all of it joins this batch.
        if (_items.Count == 1) Self.Tell(Flush.Instance);
        else if (_items.Count == MaxItems) Send();
    }

    private void Send()
    {
        if (_items.Count == 0) return;
        _target.Tell(new RelayedBatch([.. _items], _origin), _inbox);
        _items.Clear();
        _bytes = 0;
    }

    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }
}
