namespace Switchboard.Messages;

/// <summary>Response codes shared by server and client (DESIGN §2).</summary>
public static class Codes
{
    public const int Ok = 200;
    public const int NotSupported = 300;
    public const int Unreachable = 400;
    public const int Unauthorized = 401;
    public const int NotOnline = 404;
    public const int NameTaken = 409;
    public const int Invalid = 422;
    public const int RateLimited = 429;
    public const int Unavailable = 503;
}
