using Akka.Configuration;

namespace Switchboard.Tests.Server.Accounts;

/// <summary>Accounts under TestKit: the server's hocon with few PBKDF2 iterations (the cost is not what is specified
/// here), a first penalty no spec outlives, and either Akka.Persistence.TestKit's journal or a real SQLite file.</summary>
public static class AccountTestConfig
{
    public const string FewIterations = """
        switchboard.accounts { iterations = 1000, first-penalty = 1h, max-penalty = 1h }
        """;

    /// <summary>The TestKit's journal, whose writes and recoveries a spec can make fail, reject or wait.</summary>
    public static Config TestJournal() => ActorTestConfig.Server(FewIterations + """

        akka.persistence.journal {
          plugin = "akka.persistence.journal.test"
          test { class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        akka.persistence.snapshot-store {
          plugin = "akka.persistence.snapshot-store.test"
          test { class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        """);

    /// <summary>A real store in <paramref name="dir"/>, checked and wired the way the host does it.</summary>
    public static (Config Config, DataStore Store) Sqlite(string dir, int iterations = 1000)
    {
        var hocon = ActorTestConfig.Server(FewIterations + $"\nswitchboard.accounts.iterations = {iterations}");
        var store = DataStore.Open(dir, hocon, out var problem, out _) ?? throw new InvalidOperationException(problem);
        return (store.Hocon.WithFallback(hocon).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration), store);
    }

    /// <summary>An actor system on <paramref name="store"/>, with its connections set up as the host's are.</summary>
    public static Akka.Actor.ActorSystem System(string name, Config config, DataStore store) =>
        Akka.Actor.ActorSystem.Create(name, Akka.Actor.BootstrapSetup.Create().WithConfig(config).And(store.Setup));

    public static NameClaimed Claim(string name, Akka.Actor.IActorRef client) => new(name, client, new ClaimHandle(1, 1), new SeqPair(1, 1), new InMemoryStateStore("n").CounterFor(new SlotHandle(1, 1)));
}
