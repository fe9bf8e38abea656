namespace Switchboard.Messages;

/// <summary>Client → session: run operation <paramref name="Op"/> on raw argument text; the server parses and validates.</summary>
public sealed record Request(long Id, string Op, string[] Args) : ISwitchboardMessage;

/// <summary>What an operation produced: a number, a yes/no, or text.</summary>
public enum ValueKind : byte { None, Number, Flag, Text }

/// <summary>An operation's result without boxing: <see cref="Number"/> carries numbers and flags (0/1).</summary>
public readonly record struct OpValue(ValueKind Kind, long Number, string? Text)
{
    public static readonly OpValue None = default;
    public static OpValue Of(long n) => new(ValueKind.Number, n, null);
    public static OpValue Of(bool b) => new(ValueKind.Flag, b ? 1 : 0, null);
    public static OpValue Of(string s) => new(ValueKind.Text, 0, s);
    public bool Flag => Number != 0;

    /// <summary>The value as a person reads it: 42, true, odd; empty for none.</summary>
    public override string ToString() => Kind switch
    {
        ValueKind.Number => Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ValueKind.Flag => Flag ? "true" : "false",
        ValueKind.Text => Text ?? "",
        _ => "",
    };
}

/// <summary>Session → client: the answer to request <paramref name="Id"/>, stamped with both sequence numbers.</summary>
/// <param name="RetryAfterMs">On a 429 for the client's own rate limit, how long until a request would be served (the
/// session's token bucket); 0 on every other reply, and from servers before it.</param>
public sealed record Reply(long Id, int Code, long ClientSeq, long ServerSeq, OpValue Value, string? Error, long RetryAfterMs = 0) : IReply;
