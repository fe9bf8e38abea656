using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Support;

/// <summary>
/// Specs of what the history keeps in a real SQLite file (<see cref="SqliteHistoryNodes"/> under a fresh directory named
/// from <paramref name="dirPrefix"/>): a message posted to a conversation and its latest page read back, each waited for.
/// </summary>
public abstract class SqliteHistorySpecs(string dirPrefix) : TestKit(ActorTestConfig.Server()), IDisposable
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    protected SqliteHistoryNodes Nodes { get; } = new(Path.Combine(Path.GetTempPath(), dirPrefix + Guid.NewGuid().ToString("N")[..12]));
    private long _ticket;

    /// <summary>A ticket no earlier post or read of this spec had.</summary>
    protected long NextTicket() => ++_ticket;

    protected Posted Post(HistoryDesk history, Conversation conversation, string from, string text)
    {
        history.Actor.Tell(new Post(conversation, NextTicket(), from, text), TestActor);
        return ExpectMsg<Posted>(Wait);
    }

    protected HistoryPage Read(HistoryDesk history, Conversation conversation)
    {
        history.Actor.Tell(new ReadHistory(conversation, NextTicket(), HistoryAnchor.Latest, 0, 100), TestActor);
        return ExpectMsg<HistoryPage>(Wait);
    }

    public new void Dispose()
    {
        Nodes.Dispose();
        base.Dispose();
    }
}
