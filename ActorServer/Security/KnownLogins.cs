namespace Switchboard.Server.Security;

/// <summary>
/// Which names logged in with their password from which host, the most recent <see cref="MaxTracked"/> pairs. Such a
/// name is held to its own count of wrong passwords at that host, not to the host's: the host's count is there to stop
/// one peer spraying guesses over many names, and every client behind the host's address (all of a single host's, on
/// 127.0.0.1; a NAT's) shares it. A guesser gains little by it: at a name whose owner logged in from its address, it is
/// held to that name's count only, as it would be with an address of its own for each name. An account's journal keeps its
/// owner's first hosts (<c>LoginHostSeen</c>), told here when the account is read back (<c>AccountHosts</c>).
/// </summary>
public sealed class KnownLogins
{
    /// <summary>Pairs remembered; the least recently used goes first.</summary>
    public const int MaxTracked = 4096;

    private readonly Dictionary<(string Host, string Name), LinkedListNode<(string Host, string Name)>> _pairs = [];
    private readonly LinkedList<(string Host, string Name)> _byUse = new();

    public int Count => _pairs.Count;

    public bool Contains(string host, string name) => _pairs.ContainsKey((host, name));

    /// <summary><paramref name="name"/> just gave its password from <paramref name="host"/>.</summary>
    public void LoggedIn(string host, string name)
    {
        if (_pairs.Remove((host, name), out var node)) _byUse.Remove(node);
        else if (_pairs.Count >= MaxTracked)
        {
            _pairs.Remove(_byUse.First!.Value);
            _byUse.RemoveFirst();
        }
        _pairs[(host, name)] = _byUse.AddLast((host, name));
    }

    /// <summary>The name changed owner (reserved anew or released): whoever has it next starts unknown everywhere.</summary>
    public void Forget(string name)
    {
        for (var node = _byUse.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Name == name)
            {
                _pairs.Remove(node.Value);
                _byUse.Remove(node);
            }
            node = next;
        }
    }
}
