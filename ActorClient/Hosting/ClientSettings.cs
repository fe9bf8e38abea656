using Akka.Configuration;

namespace Switchboard.Client.Hosting;

/// <summary>The console client's waits (<c>switchboard-client.*</c> in client.hocon); every wait has a bound.</summary>
/// <param name="RegisterTimeout">How long registration may take before the server counts as unreachable.</param>
/// <param name="RequestTimeout">How long one request waits for its reply.</param>
public sealed record ClientSettings(TimeSpan RegisterTimeout, TimeSpan RequestTimeout)
{
    public static ClientSettings Create(Config config) => new(
        config.RequiredTimeSpan("switchboard-client.register-timeout"),
        config.RequiredTimeSpan("switchboard-client.request-timeout"));
}
