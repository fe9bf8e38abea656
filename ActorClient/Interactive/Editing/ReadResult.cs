namespace Switchboard.Client.Interactive.Editing;

public enum ReadOutcome
{
    /// <summary>Enter: <see cref="ReadResult.Text"/> is the line.</summary>
    Line,
    /// <summary>Esc or Ctrl-C: back out one level.</summary>
    Escape,
    /// <summary>Ctrl-D on an empty line, or the end of input: leave.</summary>
    EndOfInput,
    /// <summary>SIGINT/SIGTERM/SIGHUP: the client is leaving.</summary>
    Interrupted,
}

public readonly record struct ReadResult(ReadOutcome Outcome, string Text = "")
{
    public static readonly ReadResult Escape = new(ReadOutcome.Escape);
    public static readonly ReadResult End = new(ReadOutcome.EndOfInput);
    public static readonly ReadResult Interrupted = new(ReadOutcome.Interrupted);
}
