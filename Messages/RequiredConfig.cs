using Akka.Configuration;

namespace Switchboard.Messages;

/// <summary>
/// Reads settings whose defaults live in hocon only. Akka's getters return a silent default (0, 0 s) for a missing
/// key; a settings type built from a config without its section would then run with nonsense, so a missing key is
/// an error that names it.
/// </summary>
public static class RequiredConfig
{
    public static TimeSpan RequiredTimeSpan(this Config config, string path) =>
        Has(config, path).GetTimeSpan(path, allowInfinite: false);

    public static int RequiredInt(this Config config, string path) => Has(config, path).GetInt(path);

    public static double RequiredDouble(this Config config, string path) => Has(config, path).GetDouble(path);

    public static string RequiredString(this Config config, string path) => Has(config, path).GetString(path);

    private static Config Has(Config config, string path)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.HasPath(path) ? config : throw new ConfigurationException($"missing setting '{path}' (its default belongs in hocon)");
    }
}
