using Akka.Configuration;

namespace Switchboard.Server.Accounts;

/// <summary>How passwords are kept and how guessing is bounded (<c>switchboard.accounts.*</c> in server.hocon).</summary>
/// <param name="Iterations">PBKDF2-HMAC-SHA256 iterations for a new hash (OWASP 2023: 600,000).</param>
/// <param name="SaltBytes">Random salt per hash.</param>
/// <param name="HashBytes">Derived key length.</param>
/// <param name="FailuresBeforePenalty">Wrong passwords for one name (or from one host) before its attempts wait.</param>
/// <param name="FirstPenalty">The first wait; it doubles with each further wrong password.</param>
/// <param name="MaxPenalty">The longest wait.</param>
public sealed record AccountSettings(int Iterations, int SaltBytes, int HashBytes, int FailuresBeforePenalty, TimeSpan FirstPenalty, TimeSpan MaxPenalty)
{
    public static AccountSettings Create(Config config)
    {
        var s = new AccountSettings(
            config.RequiredInt("switchboard.accounts.iterations"),
            config.RequiredInt("switchboard.accounts.salt-bytes"),
            config.RequiredInt("switchboard.accounts.hash-bytes"),
            config.RequiredInt("switchboard.accounts.failures-before-penalty"),
            config.RequiredTimeSpan("switchboard.accounts.first-penalty"),
            config.RequiredTimeSpan("switchboard.accounts.max-penalty"));
        if (s.Iterations < 1 || s.SaltBytes < 16 || s.HashBytes < 16)
            throw new ConfigurationException("switchboard.accounts: iterations must be at least 1, salt-bytes and hash-bytes at least 16");
        return s;
    }
}
