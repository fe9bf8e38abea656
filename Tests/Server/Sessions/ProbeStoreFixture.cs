using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>Gateway, sessions, rooms and registry as in the server, over a history that is a probe: <c>alice</c> is
/// reserved, the store answers only what a spec makes it answer, and a session waits 300 ms for it.</summary>
public abstract class ProbeStoreFixture(string? hocon = null) : ServerActorsFixture(hocon)
{
    /// <summary>The node's reserved names (alice).</summary>
    protected ReservedNames Reserved { get; } = new();

    /// <summary>The history, as the sessions see it.</summary>
    protected TestProbe StoreProbe { get; private set; } = null!;

    protected override HistoryDesk? History()
    {
        Reserved.Reserved("alice", 0);
        StoreProbe = CreateTestProbe();
        return new HistoryDesk(StoreProbe.Ref, Reserved, HistorySettings.Create(Sys.Settings.Config) with { Timeout = TimeSpan.FromMilliseconds(300) });
    }
}
