using Akka.Configuration;

namespace Switchboard.Server.Cluster;

/// <summary>
/// What the command line and the cluster secret decide for the node side, written as hocon in this one place and
/// laid over its settings (the user's file over cluster.hocon and the defaults). Hocon, not Akka.Hosting's typed
/// options: the node side is a second ActorSystem that Akka.Hosting does not host, and Akka.Cluster.Hosting's
/// <c>ClusterOptions</c> writes roles unquoted, which fails on the <c>front:HOST:PORT</c> role.
/// </summary>
/// <param name="Seeds">Seed nodes' cluster ports (hosts as IP literals).</param>
/// <param name="Node">This node's client-facing HOST:PORT, carried in its front role.</param>
/// <param name="Store">The identity of the database it keeps accounts and history in (<c>--db</c>), carried in its store
/// role; null without one.</param>
public sealed record NodeSideConfig(string BindHost, string PublicHost, int Port, IReadOnlyList<HostPort> Seeds, string Node, string Secret,
    Guid? Store = null)
{
    /// <summary>The node side's own address, as its certificate names it.</summary>
    public string Address => $"{PublicHost}:{Port}";

    public Config ToConfig()
    {
        var seeds = Seeds.Select(s => $"{TlsRemoting.Protocol}://switchboard@{s.Host}:{s.Port}");
        var secret = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Secret));
        return ConfigurationFactory.ParseString(
            $"akka.remote.dot-netty.tcp {{ hostname = {Quote(BindHost)}, public-hostname = {Quote(PublicHost)}, port = {Port}, enable-ssl = on }}\n" +
            $"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(Quote))}]\n" +
            $"akka.cluster.roles = [{Quote(NodeSide.FrontRolePrefix + Node)}, {Quote(StoreCheckActor.RoleOf(Store))}]\n" +
            $"akka.loggers = [{Quote(typeof(ReadableLogger).FullName + ", ActorServer")}]\n" +
            // Only holders of the secret complete this port's handshake: every peer is a node (its own unsent bound).
            $"{PeerAddressTransport.NodePortKey} = on\n" +
            $"{ClusterWireSerializer.SecretPath} = {Quote(secret)}");
    }

    // A hocon string is a JSON string: quoted and escaped, whatever a value holds.
    internal static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
