using System.Globalization;

namespace Switchboard.Tests.Support;

/// <summary>
/// The suite's one time scale, like Akka's <c>akka.test.timefactor</c> (which TestKit specs get from the same value, see
/// <see cref="ActorTestConfig"/>): every timeout and deadline a spec waits for goes through <see cref="Scaled"/>, so a
/// slow or loaded machine (CI) sets <c>SWITCHBOARD_TIMEFACTOR</c> (default 1) instead of editing specs. It only ever
/// lengthens a bound on waiting for a condition; no spec asserts how long anything took.
/// </summary>
public static class TimeFactor
{
    public const string Variable = "SWITCHBOARD_TIMEFACTOR";

    public static double Value { get; } = Parse(Environment.GetEnvironmentVariable(Variable));

    public static TimeSpan Scaled(this TimeSpan timeout) => timeout * Value;

    public static double Parse(string? raw) =>
        string.IsNullOrWhiteSpace(raw) ? 1
        : double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f >= 1 && double.IsFinite(f) ? f
        : throw new ArgumentException($"{Variable} must be a number >= 1, not '{raw}'");
}
