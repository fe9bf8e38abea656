using Akka.Configuration;

namespace Switchboard.Client.Hosting;

/// <summary>The console client's waits (<c>switchboard-client.*</c> in client.hocon); every wait has a bound.</summary>
/// <param name="RegisterTimeout">How long registration may take before the server counts as unreachable.</param>
/// <param name="RequestTimeout">How long one request waits for its reply.</param>
/// <param name="RateLimitRetries">How many times scripted mode sends a command refused for the rate limit again.</param>
/// <param name="RateLimitWait">How long in all scripted mode waits, for one command, for the times the server named.</param>
public sealed record ClientSettings(TimeSpan RegisterTimeout, TimeSpan RequestTimeout, int RateLimitRetries, TimeSpan RateLimitWait)
{
    public static ClientSettings Create(Config config) => new(
        config.RequiredTimeSpan("switchboard-client.register-timeout"),
        config.RequiredTimeSpan("switchboard-client.request-timeout"),
        config.RequiredInt("switchboard-client.rate-limit-retries"),
        config.RequiredTimeSpan("switchboard-client.rate-limit-wait"));
}
