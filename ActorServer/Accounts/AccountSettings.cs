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
        new SettingChecks("switchboard.accounts")
            .AtLeast("iterations", s.Iterations, 1).AtLeast("salt-bytes", s.SaltBytes, 16).AtLeast("hash-bytes", s.HashBytes, 16)
            .AtLeast("max-concurrent-checks", s.MaxConcurrentChecks, 1).Positive("watch-interval", s.WatchInterval)
            .AtLeast("reserves-per-host.per-hour", s.ReservesPerHostPerHour, 0).AtLeast("reserves-per-host.burst", s.ReservesPerHostBurst, 1)
            .AtLeast("logins-per-name.per-minute", s.LoginsPerNamePerMinute, 0).AtLeast("logins-per-name.burst", s.LoginsPerNameBurst, 1)
            .AtLeast("wrong-per-name.per-hour", s.WrongPerNamePerHour, 0).AtLeast("wrong-per-name.burst", s.WrongPerNameBurst, 1)
            .ThrowIfAny();
        return s;
    }
}
