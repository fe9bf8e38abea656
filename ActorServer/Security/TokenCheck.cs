using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Server.Security;

/// <summary>
/// The shared registration token, when one is required. Only its SHA-256 is kept; a presented token is hashed and
/// compared in constant time, so the comparison's duration says nothing about how much of it was right.
/// </summary>
public sealed class TokenCheck
{
    private readonly byte[]? _expected;

    private TokenCheck(byte[]? expected) => _expected = expected;

    public static TokenCheck None { get; } = new(null);

    public static TokenCheck For(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new TokenCheck(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    public bool Required => _expected is not null;

    public bool Accepts(string? presented)
    {
        if (_expected is null) return true;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""));
        return CryptographicOperations.FixedTimeEquals(hash, _expected);
    }
}
