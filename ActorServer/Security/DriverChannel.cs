using System.Reflection;
using Akka.Remote.Transport;
using DotNetty.Transport.Channels;

namespace Switchboard.Server.Security;

/// <summary>
/// The DotNetty channel under one of the driver's association handles. Akka's driver keeps it in a private field
/// (<c>TcpAssociationHandle._channel</c>), read here once per association: its queue (<see cref="UnsentBytes"/>) and its
/// close (<see cref="InboundConnections"/>) are known nowhere else. Null where a later Akka names it otherwise; each user then says once that its bound is not enforced.
/// </summary>
internal static class DriverChannel
{
    private static readonly FieldInfo? Field = typeof(AssociationHandle).Assembly
        .GetType("Akka.Remote.Transport.DotNetty.TcpAssociationHandle")?.GetField("_channel", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Whether this Akka's driver shows its channel.</summary>
    public static bool Readable => Field?.FieldType == typeof(IChannel);

    public static IChannel? Of(AssociationHandle driver) =>
        Readable && Field!.DeclaringType!.IsInstanceOfType(driver) ? (IChannel?)Field.GetValue(driver) : null;
}
