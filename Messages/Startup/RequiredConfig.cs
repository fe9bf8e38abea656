using Akka.Configuration;

namespace Switchboard.Messages.Startup;

/// <summary>
/// Reads settings whose defaults live in hocon only. Akka's getters return a silent default (0, 0 s) for a missing
/// key and throw assorted exceptions for a malformed one; here both are a <see cref="ConfigurationException"/> that
/// names the key, so a bad file is one clear start error.
/// </summary>
public static class RequiredConfig
{
    public static TimeSpan RequiredTimeSpan(this Config config, string path) =>
        Read(config, path, c => c.GetTimeSpan(path, allowInfinite: false), "a duration such as 500ms or 2s");

    public static int RequiredInt(this Config config, string path) => Read(config, path, c => c.GetInt(path), "a whole number");

    public static bool RequiredBoolean(this Config config, string path) => Read(config, path, c => c.GetBoolean(path), "on or off");

    public static double RequiredDouble(this Config config, string path) => Read(config, path, c => c.GetDouble(path), "a number");

    public static string RequiredString(this Config config, string path) =>
        Read(config, path, c => c.GetString(path) ?? throw new FormatException("no value"), "a text");

    private static T Read<T>(Config config, string path, Func<Config, T> get, string expected)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.HasPath(path)) throw new ConfigurationException($"missing setting '{path}' (its default belongs in hocon)");
        try
        {
            return get(config);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or InvalidCastException or NotSupportedException or ConfigurationException)
        {
            throw new ConfigurationException($"setting '{path}' must be {expected}: {ex.Message}");
        }
    }
}
