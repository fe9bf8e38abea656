using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>
/// Two nodes sharing one data directory (as nodes sharing a segment do), on a real SQLite file: a name reserved or
/// released through one node is soon reserved or released on the other too (its DMs kept and held there, its look-alikes
/// refused), and the other node hears of the change as of its own (the history keeper empties the name's inbox for a
/// new owner). Before, each node knew only the reservations of its own clients and those in the file when it started.
/// </summary>
public sealed class SharedReservationSpecs() : TestKit(ActorTestConfig.Server()), IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sb-sharedres-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ActorSystem> _nodes = [];

    private (IActorRef Accounts, HistoryDesk Desk, ActorSystem System) Node()
    {
        var (config, store) = AccountTestConfig.Sqlite(_dir);
        var system = AccountTestConfig.System($"node{_nodes.Count}",
            ConfigurationFactory.ParseString("switchboard.accounts.watch-interval = 100ms").WithFallback(config), store);
        _nodes.Add(system);
        var (accounts, desk) = system.StartStore(store with { History = HistorySettings.Create(system.Settings.Config) });
        return (accounts!, desk!, system);
    }

    public new void Dispose()
    {
        foreach (var node in _nodes) node.Terminate().Wait(Wait);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }

    private OpOutcome Command(IActorRef accounts, string name, AccountAction action, string password)
    {
        accounts.Tell(new AccountRequest(name, "10.0.0.1", new AccountCommand(7, action, password, null)), TestActor);
        return ExpectMsg<AccountAnswer>(Wait).Outcome;
    }

    [Fact]
    public void A_name_reserved_or_released_through_one_node_is_so_on_the_other_node_too()
    {
        var a = Node();
        var b = Node();
        var heard = CreateTestProbe(a.System);
        a.System.EventStream.Subscribe(heard.Ref, typeof(ReservationChanged));

        Assert.Equal(Codes.Ok, Command(b.Accounts, "alice", AccountAction.Reserve, "s3cret").Code);
        AwaitCondition(() => a.Desk.Reserved.IsReserved("alice"), Wait);
        Assert.Equal("alice", heard.ExpectMsg<ReservationChanged>(Wait).Name);
        Assert.Equal("alice", a.Desk.Reserved.LookAlike("Alice"));

        Assert.Equal(Codes.Ok, Command(b.Accounts, "alice", AccountAction.Release, "s3cret").Code);
        AwaitCondition(() => !a.Desk.Reserved.IsReserved("alice"), Wait);
        Assert.Equal("alice", heard.ExpectMsg<ReservationChanged>(Wait).Name);

        // Its own changes it knew already: told once, by the account actor, not again when read back from the file.
        Assert.Equal(Codes.Ok, Command(a.Accounts, "carol", AccountAction.Reserve, "pw").Code);
        Assert.Equal("carol", heard.ExpectMsg<ReservationChanged>(Wait).Name);
        heard.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        AwaitCondition(() => b.Desk.Reserved.IsReserved("carol"), Wait);
    }
}
