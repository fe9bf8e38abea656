using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Server.Registry;

/// <summary>
/// The SHA-256 of a session's capability (its actor name, 128 random bits): what a cluster's name entity keeps of the
/// session holding the name, and what a reconnecting client's <see cref="Register.Previous"/> is turned into by the
/// gateway it reaches. The capability itself never leaves that gateway: the digest crosses nodes, and it does not give
/// the capability back (a preimage of 128 random bits), so a digest read off the wire or a log takes no name and
/// reaches no session; only the client that was told the capability can present it.
/// </summary>
public sealed class ClaimKey : IEquatable<ClaimKey>
{
    public const int Length = 32;
    private readonly byte[] _digest;

    private ClaimKey(byte[] digest) => _digest = digest;

    /// <summary>The key of the session named <paramref name="capability"/>.</summary>
    public static ClaimKey Of(string capability) => new(SHA256.HashData(Encoding.ASCII.GetBytes(capability)));

    /// <summary>A key as another node wrote it; null for anything but a digest's length.</summary>
    public static ClaimKey? Read(ReadOnlySpan<byte> digest) => digest.Length == Length ? new(digest.ToArray()) : null;

    public ReadOnlySpan<byte> Digest => _digest;

    public bool Equals(ClaimKey? other) => other is not null && CryptographicOperations.FixedTimeEquals(_digest, other._digest);

    public override bool Equals(object? obj) => Equals(obj as ClaimKey);

    public override int GetHashCode() => BitConverter.ToInt32(_digest);

    public override string ToString() => "ClaimKey";
}
