namespace Switchboard.Messages;

/// <summary>A response code and its meaning in a few words; <see cref="FromServer"/> is false for what only the client says.</summary>
public sealed record CodeMeaning(int Code, string Meaning, bool FromServer = true);

/// <summary>Response codes shared by server and client (DESIGN §2).</summary>
public static class Codes
{
    public const int Ok = 200;
    public const int Stored = 202;
    public const int NotSupported = 300;
    public const int Unreachable = 400;
    public const int Unauthorized = 401;
    public const int Forbidden = 403;
    public const int NotOnline = 404;
    public const int NameTaken = 409;
    public const int Invalid = 422;
    public const int RateLimited = 429;
    public const int Unavailable = 503;

    /// <summary>Every code once: both helps print it, and a spec holds docs/protocol.md's "Response codes" table to it.</summary>
    public static IReadOnlyList<CodeMeaning> All { get; } =
    [
        new(Ok, "ok"),
        new(Stored, "stored: the recipient is offline and gets it at its next login"),
        new(NotSupported, "operation not supported"),
        new(Unreachable, "server unreachable", FromServer: false),
        new(Unauthorized, "not authorised"),
        new(Forbidden, "forbidden: a reserved name without its password, or another's conversation"),
        new(NotOnline, "recipient not online"),
        new(NameTaken, "name already taken"),
        new(Invalid, "invalid arguments"),
        new(RateLimited, "rate limit exceeded, or the recipient is not keeping up"),
        new(Unavailable, "the server's state is momentarily unavailable or full"),
    ];

    /// <summary>"200 ok · 300 ..." wrapped for a help text, each line after <paramref name="indent"/>.</summary>
    public static string Help(string indent, bool fromServerOnly = false) =>
        HelpText.Wrap(All.Where(c => c.FromServer || !fromServerOnly).Select(c => $"{c.Code} {c.Meaning}"), indent);
}
