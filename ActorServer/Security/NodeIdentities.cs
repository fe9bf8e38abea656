using Akka.Actor;

namespace Switchboard.Server.Security;

/// <summary>
/// Which peers are the other nodes of this node's segment. The nodes of one segment reach each other over the
/// client-facing port, where any peer may write any origin in its handshake; Akka takes a newcomer claiming a known
/// address with another uid for that system restarted, and hands it the association, so a client could write another
/// node's address and be sent that node's traffic (the DMs and broadcasts for its clients, and the door's path), and
/// speak for it. Each node publishes its actor system's uid in its segment row (readable by the server's user only);
/// a handshake that claims, or an outbound association that reaches, a node's address must carry that uid
/// (<see cref="PeerAddressTransport"/>). Read fresh at every handshake; the registry refreshes it at every tick and before
/// its first delivery to a node, and an association admitted under an older view is checked again before its next
/// write. Without a segment (cluster mode, specs) nothing is a node and nothing is refused.
/// </summary>
public sealed class NodeIdentities
{
    private static readonly IReadOnlyDictionary<string, int> None = new Dictionary<string, int>();
    private volatile Func<IReadOnlyDictionary<string, int>?>? _read;
    private volatile IReadOnlyDictionary<string, int> _known = None;
    private int _version;

    /// <summary>Bumped whenever the known nodes change: an association checks itself again when it sees a new one.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Where the nodes are read from (the segment, without its lock); null: read failed, and is refused.</summary>
    public void Attach(Func<IReadOnlyDictionary<string, int>?> read)
    {
        _read = read;
        Refresh();
    }

    /// <summary>Reads the nodes again; false when they could not be read (then the last view stays).</summary>
    public bool Refresh()
    {
        if (_read is not { } read) return true;
        if (read() is not { } fresh) return false;
        var known = _known;
        if (fresh.Count != known.Count || fresh.Any(n => !known.TryGetValue(n.Key, out var uid) || uid != n.Value))
        {
            _known = fresh;
            Interlocked.Increment(ref _version);
        }
        return true;
    }

    /// <summary>Whether a peer at <paramref name="address"/> (claimed, or dialled) whose handshake carries
    /// <paramref name="uid"/> may have the association: anyone at an address that is no node's; at a node's, only that
    /// node (its published uid; none published yet is no one). <paramref name="fresh"/>: read the nodes now (a handshake),
    /// else the last view (a write). A view that cannot be read refuses a fresh check.</summary>
    public bool Allows(Address address, ulong uid, bool fresh)
    {
        if (_read is null) return true;
        if (fresh && !Refresh()) return false;
        if (!_known.TryGetValue(KeyOf(address), out var published)) return true;
        // Akka reads the handshake's uid as an int (the wire carries it widened).
        return published != 0 && published == unchecked((int)uid);
    }

    /// <summary>Whether a peer at <paramref name="address"/> whose handshake carries <paramref name="uid"/> is one of the
    /// segment's nodes: the address of a node's row and the uid that node published there, in the last view (read it with
    /// <see cref="Allows"/> first). What a client cannot forge: the uid is known only to the segment's nodes.</summary>
    public bool IsNode(Address address, ulong uid) =>
        _read is not null && _known.TryGetValue(KeyOf(address), out var published) && published != 0 && published == unchecked((int)uid);

    /// <summary>Whether the node at <paramref name="node"/> (HOST:PORT) has published its uid, in the last view: its actor
    /// system is up, so it listens.</summary>
    public bool HasPublished(string node) => _known.TryGetValue(node, out var published) && published != 0;

    /// <summary>HOST:PORT, as a node's row names it (<c>NodeAddress.Node</c>).</summary>
    public static string KeyOf(Address address) => $"{address.Host}:{address.Port}";
}
