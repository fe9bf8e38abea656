using System.Net.Sockets;
using Akka.Pattern;
using Npgsql;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// The one line a store failure becomes in the log and in <c>/healthz</c>. Seen against a real cluster: PostgreSQL was
/// back for a minute while one node's log and <c>/healthz</c> still said "Failed to connect ...: Connection refused" at
/// every login it refused: its snapshot store's circuit breaker was open and failing fast, and the line showed only the
/// breaker's remembered cause, so an operator looked at a database that was up.
/// </summary>
public sealed class DataStoreErrorsSpecs
{
    private static NpgsqlException Refused() =>
        new("Failed to connect to 127.0.0.1:6390", new SocketException((int)SocketError.ConnectionRefused));

    [Fact]
    public void The_store_s_own_error_is_its_line()
    {
        Assert.Equal("PostgreSQL: Failed to connect to 127.0.0.1:6390: Connection refused", DataStoreErrors.OneLine(Refused()));
    }

    [Fact]
    public void An_open_circuit_breaker_says_it_fails_fast_and_names_the_failure_that_opened_it_as_past()
    {
        var line = DataStoreErrors.OneLine(new OpenCircuitException(Refused(), TimeSpan.FromSeconds(12.3)));

        Assert.Equal("a circuit breaker of the store (Akka.Persistence's, on its journal or snapshots) is open after repeated failures: calls fail fast for 13 s more, " +
            "without trying the store (the last failure: PostgreSQL: Failed to connect to 127.0.0.1:6390: Connection refused)", line);
    }

    [Fact]
    public void A_half_open_breaker_with_no_cause_says_so_alone()
    {
        var line = DataStoreErrors.OneLine(new OpenCircuitException("Circuit Breaker is open; calls are failing fast", TimeSpan.Zero));

        Assert.Equal("a circuit breaker of the store (Akka.Persistence's, on its journal or snapshots) is open after repeated failures: calls fail fast until one try of the store succeeds", line);
    }
}
