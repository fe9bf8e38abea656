using Akka.Configuration;
using Switchboard.Messages;

namespace Switchboard.Server.Settings;

/// <summary>This node's rooms (<c>switchboard.*</c> in server.hocon).</summary>
/// <param name="History">Messages of each room kept and replayed to a client who joins.</param>
public sealed record RoomsSettings(int History)
{
    public static RoomsSettings Create(Config config) => new(config.RequiredInt("switchboard.room-history"));
}
