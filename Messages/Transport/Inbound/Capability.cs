using System.Security.Cryptography;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// An unguessable actor name (128 random bits): the path of a session, of a client actor or of a node's door is the
/// capability to talk to it, since the inbound rules let a peer name such a child only exactly, never by wildcard.
/// </summary>
public static class Capability
{
    public const int Bits = 128;

    /// <summary>A fresh name: <paramref name="prefix"/> and 32 hex digits from the system's CSPRNG.</summary>
    public static string NewName(string prefix) => prefix + RandomNumberGenerator.GetHexString(Bits / 4, lowercase: true);

    /// <summary>Whether <paramref name="name"/> has the shape <see cref="NewName"/> gives with <paramref name="prefix"/>
    /// (what a peer presents as one is checked before anything is made of it).</summary>
    public static bool IsName(string? name, string prefix) =>
        name is not null && name.Length == prefix.Length + Bits / 4 && name.StartsWith(prefix, StringComparison.Ordinal)
        && name.AsSpan(prefix.Length).ContainsAnyExcept("0123456789abcdef") is false;
}
