using System.Globalization;
using Akka.Configuration;

namespace Switchboard.Messages.Startup;

/// <summary>
/// The range checks of one section of settings: the start error names each setting out of range, its rule and the
/// value given. A tester's <c>switchboard.history.max-messages = -3</c> was answered with the rules of all fourteen
/// history settings and no word of which one was wrong.
/// </summary>
public sealed class SettingChecks(string section)
{
    private readonly List<string> _wrong = [];

    public SettingChecks AtLeast(string key, double value, double least) =>
        Check(key, value >= least, $"at least {least.ToString(CultureInfo.InvariantCulture)}", value.ToString(CultureInfo.InvariantCulture));

    public SettingChecks Between(string key, int value, int least, int most) =>
        Check(key, value >= least && value <= most, $"{least}-{most}", value.ToString(CultureInfo.InvariantCulture));

    public SettingChecks Positive(string key, TimeSpan value) =>
        Check(key, value > TimeSpan.Zero, "positive", $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms");

    /// <summary>Throws one <see cref="ConfigurationException"/> naming every setting out of range; none, nothing.</summary>
    public void ThrowIfAny()
    {
        if (_wrong.Count > 0) throw new ConfigurationException(string.Join("; ", _wrong));
    }

    private SettingChecks Check(string key, bool ok, string rule, string given)
    {
        if (!ok) _wrong.Add($"{section}.{key} must be {rule} (got {given})");
        return this;
    }
}
