using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Server.Accounts;

/// <summary>
/// A password as the store keeps it: PBKDF2-HMAC-SHA256 of it under a random salt, with the iteration count it was
/// made with (so raising the count in hocon leaves older hashes checkable). Printing one shows neither salt nor hash.
/// </summary>
public sealed record StoredPassword(byte[] Salt, byte[] Hash, int Iterations)
{
    /// <summary>A fresh salt and hash of <paramref name="password"/> (slow on purpose: ~0.3 s at 600,000 iterations).</summary>
    public static StoredPassword Create(string password, AccountSettings settings)
    {
        var salt = RandomNumberGenerator.GetBytes(settings.SaltBytes);
        return new StoredPassword(salt, Derive(password, salt, settings.Iterations, settings.HashBytes), settings.Iterations);
    }

    /// <summary>Whether <paramref name="password"/> is this one; the comparison takes the same time wherever they differ.</summary>
    public bool Matches(string password) => CryptographicOperations.FixedTimeEquals(Derive(password, Salt, Iterations, Hash.Length), Hash);

    private static byte[] Derive(string password, byte[] salt, int iterations, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, length);

    public override string ToString() => $"StoredPassword {{ PBKDF2-SHA256, {Iterations} iterations }}";
}
