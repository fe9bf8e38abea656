using Akka.Configuration;

namespace Switchboard.Server.Sessions;

/// <summary>What every session is bound by (<c>switchboard.*</c> in server.hocon).</summary>
/// <param name="ProbeTimeout">After a client's connection dropped, how long its session waits for a probe's answer.</param>
/// <param name="RatePerSecond">Requests a second a client may send on average (0: no limit).</param>
/// <param name="RateBurst">Requests a client may send at once above the average.</param>
/// <param name="MaxUnacked">Pushed events a client may leave unacknowledged before new ones are dropped.</param>
/// <param name="DeliveryTimeout">How long a direct message waits for the recipient's node before the sender hears 404.</param>
/// <param name="LivenessInterval">A client silent for this long is asked to identify itself (by a random id only it
/// can answer); silent for another, it is gone. Akka's failure detector works from heartbeats a peer can forge.</param>
/// <param name="AccountsPerMinute">Account commands (reserve, passwd, release: each a password hash) a client may send a
/// minute on average, one at a time; the request rate limit alone let one client keep every password check busy.</param>
/// <param name="AccountsBurst">Account commands a client may send at once above that average.</param>
/// <param name="MaxReplayed">Pushed events a client may leave unacknowledged and still be sent a room's replay on a join.</param>
public sealed record SessionSettings(
    TimeSpan ProbeTimeout,
    double RatePerSecond,
    double RateBurst,
    int MaxUnacked,
    TimeSpan DeliveryTimeout,
    TimeSpan LivenessInterval,
    double AccountsPerMinute,
    double AccountsBurst,
    int MaxReplayed)
{
    /// <summary>The dispatcher sessions run on; its type and threads are in hocon.</summary>
    public const string Dispatcher = "session-dispatcher";

    public static SessionSettings Create(Config config)
    {
        var maxUnacked = config.RequiredInt("switchboard.max-unacked-events");
        // A room's replay may go past the bound of live events, as far as a client rejoining all its rooms at once
        // needs (a reconnect does): beyond that a client joining and leaving in a loop without reading gets none. The
        // rooms' own settings say how many rooms and lines; the store's replay (history.replay) may replay more.
        var rooms = Rooms.RoomsSettings.Create(config);
        return new(
            config.RequiredTimeSpan("switchboard.disconnect-probe-timeout"),
            config.RequiredDouble("switchboard.rate-limit.per-second"),
            config.RequiredDouble("switchboard.rate-limit.burst"),
            maxUnacked,
            config.RequiredTimeSpan("switchboard.delivery-timeout"),
            config.RequiredTimeSpan("switchboard.liveness-interval"),
            config.RequiredDouble("switchboard.accounts.per-client.per-minute"),
            config.RequiredDouble("switchboard.accounts.per-client.burst"),
            maxUnacked + rooms.PerClient * Math.Max(rooms.History, config.GetInt("switchboard.history.replay", 0)));
    }
}
