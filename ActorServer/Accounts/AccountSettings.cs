using Akka.Configuration;

namespace Switchboard.Server.Accounts;

/// <summary>How passwords are kept and how guessing is bounded (<c>switchboard.accounts.*</c> in server.hocon).</summary>
/// <param name="Iterations">PBKDF2-HMAC-SHA256 iterations for a new hash (OWASP 2023: 600,000).</param>
/// <param name="SaltBytes">Random salt per hash.</param>
/// <param name="HashBytes">Derived key length.</param>
/// <param name="FailuresBeforePenalty">Wrong passwords for one name from one host (or from one host for any names) before
/// its attempts wait.</param>
/// <param name="FirstPenalty">The first wait; it doubles with each further wrong password.</param>
/// <param name="MaxPenalty">The longest wait.</param>
/// <param name="MaxConcurrentChecks">Password jobs (each ~0.3 s of a core) a node runs at once; past it, 429.</param>
/// <param name="WatchInterval">How often a node reads the reservations other nodes sharing its data directory made.</param>
/// <param name="ReservesPerHostPerHour">New reservations one host may make an hour on average (0: no bound).</param>
/// <param name="ReservesPerHostBurst">New reservations one host may make at once.</param>
/// <param name="LoginsPerNamePerMinute">Logins with the right password one name may make a minute on average (0: no bound).</param>
/// <param name="LoginsPerNameBurst">Such logins one name may make at once.</param>
/// <param name="WrongPerNamePerHour">Wrong passwords one name takes an hour on average from hosts it never logged in
/// from, all of them together (0: no bound); past it their attempts wait, those of hosts it logged in from do not.</param>
/// <param name="WrongPerNameBurst">Such wrong passwords it takes at once.</param>
public sealed record AccountSettings(int Iterations, int SaltBytes, int HashBytes, int FailuresBeforePenalty, TimeSpan FirstPenalty, TimeSpan MaxPenalty,
    int MaxConcurrentChecks, TimeSpan WatchInterval, double ReservesPerHostPerHour = 0, double ReservesPerHostBurst = 1,
    double LoginsPerNamePerMinute = 0, double LoginsPerNameBurst = 1, double WrongPerNamePerHour = 0, double WrongPerNameBurst = 1)
{
    public static AccountSettings Create(Config config)
    {
        var s = new AccountSettings(
            config.RequiredInt("switchboard.accounts.iterations"),
            config.RequiredInt("switchboard.accounts.salt-bytes"),
            config.RequiredInt("switchboard.accounts.hash-bytes"),
            config.RequiredInt("switchboard.accounts.failures-before-penalty"),
            config.RequiredTimeSpan("switchboard.accounts.first-penalty"),
            config.RequiredTimeSpan("switchboard.accounts.max-penalty"),
            config.RequiredInt("switchboard.accounts.max-concurrent-checks"),
            config.RequiredTimeSpan("switchboard.accounts.watch-interval"),
            config.RequiredDouble("switchboard.accounts.reserves-per-host.per-hour"),
            config.RequiredDouble("switchboard.accounts.reserves-per-host.burst"),
            config.RequiredDouble("switchboard.accounts.logins-per-name.per-minute"),
            config.RequiredDouble("switchboard.accounts.logins-per-name.burst"),
            config.RequiredDouble("switchboard.accounts.wrong-per-name.per-hour"),
            config.RequiredDouble("switchboard.accounts.wrong-per-name.burst"));
        if (s.Iterations < 1 || s.SaltBytes < 16 || s.HashBytes < 16 || s.MaxConcurrentChecks < 1 || s.WatchInterval <= TimeSpan.Zero
            || s.ReservesPerHostPerHour < 0 || s.ReservesPerHostBurst < 1 || s.LoginsPerNamePerMinute < 0 || s.LoginsPerNameBurst < 1
            || s.WrongPerNamePerHour < 0 || s.WrongPerNameBurst < 1)
            throw new ConfigurationException(
                "switchboard.accounts: iterations and max-concurrent-checks must be at least 1, salt-bytes and hash-bytes at least 16, " +
                "watch-interval positive, reserves-per-host.per-hour, logins-per-name.per-minute and wrong-per-name.per-hour at least 0 and their bursts at least 1");
        return s;
    }
}
