using Akka.Actor;
using Akka.Configuration;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>The journal's format of account events, and its serializer's place among a node's others.</summary>
public sealed class AccountEventSerializerSpecs
{
    [Fact]
    public void Every_event_round_trips_and_junk_is_refused()
    {
        using var system = ActorSystem.Create("events", ActorTestConfig.Server());
        var stored = new StoredPassword([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [.. Enumerable.Range(0, 32).Select(i => (byte)i)], 600_000);
        foreach (IAccountEvent e in new IAccountEvent[] { new NameReserved(stored), new PasswordChanged(stored), ReservationReleased.Instance, new LoginHostSeen("2001:db8::/64") })
        {
            var serializer = Assert.IsType<AccountEventSerializer>(system.Serialization.FindSerializerFor(e));
            var back = serializer.FromBinary(serializer.ToBinary(e), serializer.Manifest(e));
            Assert.Equal(e.GetType(), back.GetType());
            if (back is NameReserved or PasswordChanged)
            {
                var p = back is NameReserved r ? r.Password : ((PasswordChanged)back).Password;
                Assert.Equal(stored.Salt, p.Salt);
                Assert.Equal(stored.Hash, p.Hash);
                Assert.Equal(stored.Iterations, p.Iterations);
            }
        }
        var events = (AccountEventSerializer)system.Serialization.FindSerializerForType(typeof(NameReserved));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => events.FromBinary([], "reserved")); // no salt, no hash
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => events.FromBinary([], "no-such-event"));
        Assert.Equal(new LoginHostSeen("2001:db8::/64"), events.FromBinary(events.ToBinary(new LoginHostSeen("2001:db8::/64")), "login-host"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => events.FromBinary([], "login-host")); // no host
    }

    [Fact]
    public void A_cluster_nodes_side_reads_server_hocon_too_and_keeps_each_serializer_under_its_own_id()
    {
        var cluster = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepoRoot.Find(), "hocon", "cluster.hocon")));
        using var system = ActorSystem.Create("node-side", ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(cluster).WithFallback(ActorTestConfig.Server()));
        Assert.Equal(3, new[] { AccountEventSerializer.Id, ClusterWireSerializer.Id, SwitchboardSerializer.Id }.Distinct().Count());
        // Read back by its id, as the journal does: with a clash the id would name the other serializer.
        var e = new PasswordChanged(new StoredPassword(new byte[16], new byte[32], 1));
        var serializer = system.Serialization.FindSerializerFor(e);
        var back = system.Serialization.Deserialize(serializer.ToBinary(e), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, e));
        Assert.IsType<PasswordChanged>(back);
    }
}
