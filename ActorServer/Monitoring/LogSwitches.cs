namespace Switchboard.Server.Monitoring;

/// <summary>What the node logs, from the command line: <c>--debug</c> (each request and reply),
/// <c>--debug-akka</c> (Akka's own debug output too) and <c>--log-format text|json</c>.</summary>
public sealed record LogSwitches(bool Debug, bool DebugAkka, bool Json)
{
    public static readonly LogSwitches Default = new(false, false, false);

    /// <summary>Akka's debug log is on for either switch; <see cref="ReadableLogger"/> keeps Akka's internals out
    /// unless <see cref="DebugAkka"/>.</summary>
    public bool AkkaDebugLevel => Debug || DebugAkka;
}
