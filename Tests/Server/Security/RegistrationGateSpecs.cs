namespace Switchboard.Tests.Server.Security;

/// <summary>Who may register: the token, the bounds per address and per second, the penalty for wrong tokens.</summary>
public sealed class RegistrationGateSpecs
{
    private static readonly RegistrationSettings Settings = new(PerAddress: 3, PerSecond: 10, Burst: 5, FailuresBeforePenalty: 2,
        FirstPenalty: TimeSpan.FromSeconds(1), MaxPenalty: TimeSpan.FromSeconds(8),
        NodeFailureBurst: 0, NodeFailuresPerSecond: 0, RemoteClientsOnly: true);

    private readonly ManualClock _clock = new();

    [Fact]
    public void Without_a_token_configured_any_token_or_none_is_accepted()
    {
        var gate = new RegistrationGate(Settings, TokenCheck.None, _clock);
        Assert.Null(gate.Check("a@h:1", "h", null));
        Assert.Null(gate.Check("a@h:1", "h", "whatever"));
    }

    [Fact]
    public void A_required_token_must_match_exactly()
    {
        var gate = new RegistrationGate(Settings, TokenCheck.For("s3cret"), _clock);
        Assert.Equal((Codes.Unauthorized, "a valid token is required to register: give the server's token with --token-file F (first line, mode 0600) or SWITCHBOARD_TOKEN"),
            gate.Check("a@h:1", "h", null));
        Assert.Equal(Codes.Unauthorized, gate.Check("a@h:2", "h2", "s3cre")?.Code);
        Assert.Null(gate.Check("a@h:3", "h3", "s3cret"));
    }

    [Fact]
    public void A_host_that_keeps_failing_waits_longer_each_time_and_a_right_token_waits_too()
    {
        var gate = new RegistrationGate(Settings, TokenCheck.For("s3cret"), _clock);
        Assert.Equal(Codes.Unauthorized, gate.Check("a@h:1", "h", "x")?.Code);
        Assert.Equal(Codes.Unauthorized, gate.Check("a@h:1", "h", "y")?.Code); // second failure: 1 s penalty
        Assert.Equal(Codes.RateLimited, gate.Check("a@h:1", "h", "s3cret")?.Code);
        Assert.Null(gate.Check("b@other:1", "other", "s3cret")); // other hosts are not slowed
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Codes.Unauthorized, gate.Check("a@h:1", "h", "z")?.Code); // third: 2 s
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        var waiting = gate.Check("a@h:1", "h", "s3cret");
        Assert.Equal(Codes.RateLimited, waiting?.Code);
        Assert.Contains("try again in 1 s", waiting?.Error); // 0.5 s left, said in whole seconds, rounded up
        _clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Null(gate.Check("a@h:1", "h", "s3cret")); // a right token clears the record
        Assert.Equal(Codes.Unauthorized, gate.Check("a@h:1", "h", "x")?.Code);
        Assert.Null(gate.Check("a@h:1", "h", "s3cret"));
    }

    [Fact]
    public void The_penalty_stops_growing_at_its_maximum()
    {
        var gate = new RegistrationGate(Settings, TokenCheck.For("s3cret"), _clock);
        for (var i = 0; i < 20; i++)
        {
            gate.Check("a@h:1", "h", "wrong");
            _clock.Advance(TimeSpan.FromSeconds(9)); // past the 8 s maximum: the next attempt is checked again
        }
        Assert.Null(gate.Check("a@h:1", "h", "s3cret"));
    }

    [Fact]
    public void One_address_holds_at_most_its_share_of_live_names_and_leaving_frees_one()
    {
        var gate = new RegistrationGate(Settings with { PerSecond = 0 }, TokenCheck.None, _clock);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(gate.Check("a@h:1", "h", null));
            gate.Admitted("a@h:1", "h");
        }
        Assert.Equal(Codes.RateLimited, gate.Check("a@h:1", "h", null)?.Code);
        Assert.Null(gate.Check("b@h:2", "h", null)); // another client system on the same host is its own address
        gate.Left("a@h:1");
        Assert.Null(gate.Check("a@h:1", "h", null));
    }

    [Fact]
    public void One_host_holds_at_most_its_share_of_live_names_whatever_number_of_client_systems_it_runs()
    {
        var gate = new RegistrationGate(Settings with { PerSecond = 0, PerHost = 5 }, TokenCheck.None, _clock);
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(gate.Check($"a@h:{i}", "h", null));
            gate.Admitted($"a@h:{i}", "h");
        }
        var full = gate.Check("a@h:99", "h", null);
        Assert.Equal((Codes.RateLimited, "this host already holds 5 names"), (full?.Code, full?.Error));
        Assert.Null(gate.Check("b@other:1", "other", null)); // another host has its own share
        gate.Left("a@h:3"); // its last name: the host's count follows the address it was admitted with
        Assert.Equal(4, gate.LiveOnHost("h"));
        Assert.Null(gate.Check("a@h:99", "h", null));
        gate.Left("a@h:3"); // nothing more to leave
        Assert.Equal(4, gate.LiveOnHost("h"));
    }

    [Fact]
    public void One_host_cannot_spend_the_nodes_registration_rate()
    {
        var gate = new RegistrationGate(Settings with { PerAddress = 1000, PerSecond = 10, Burst = 8, PerHostPerSecond = 1, PerHostBurst = 3 },
            TokenCheck.None, _clock);
        var flooder = Enumerable.Range(0, 10).Select(i => gate.Check($"a@h:{i}", "h", null)?.Code ?? Codes.Ok).ToArray();
        Assert.Equal([200, 200, 200, 429, 429, 429, 429, 429, 429, 429], flooder);
        Assert.Contains("from this host", gate.Check("a@h:11", "h", null)?.Error);
        // Its refused attempts spent nothing of the node's rate: the others have the rest of the burst.
        Assert.Equal(5, Enumerable.Range(0, 5).Count(i => gate.Check($"b@h{i}:1", $"h{i}", null) is null));
        _clock.Advance(TimeSpan.FromSeconds(1)); // the host's rate: one more a second
        Assert.Null(gate.Check("a@h:12", "h", null));
    }

    [Fact]
    public void Registrations_of_all_peers_together_are_bounded_per_second()
    {
        var gate = new RegistrationGate(Settings with { PerAddress = 1000 }, TokenCheck.None, _clock);
        var codes = Enumerable.Range(0, 8).Select(i => gate.Check($"a@h:{i}", "h", null)?.Code ?? Codes.Ok).ToArray();
        Assert.Equal([200, 200, 200, 200, 200, 429, 429, 429], codes); // the burst of 5, the clock standing still
        _clock.Advance(TimeSpan.FromMilliseconds(100)); // one more at 10/s
        Assert.Null(gate.Check("a@h:9", "h", null));
        Assert.Equal(Codes.RateLimited, gate.Check("a@h:10", "h", null)?.Code);
    }

    [Fact]
    public void Wrong_tokens_from_many_hosts_keep_the_memory_bounded()
    {
        var gate = new RegistrationGate(Settings, TokenCheck.For("s3cret"), _clock);
        for (var i = 0; i < RegistrationGate.MaxTrackedHosts * 3; i++)
        {
            gate.Check($"a@h{i}:1", $"h{i}", "x");
            gate.Check($"a@h{i}:1", $"h{i}", "x");
        }
        Assert.True(gate.TrackedHosts <= RegistrationGate.MaxTrackedHosts);
    }

    private static readonly RegistrationSettings NodeBudget = Settings with { PerSecond = 0, NodeFailureBurst = 4, NodeFailuresPerSecond = 0.5 };

    [Fact]
    public void Wrong_tokens_from_many_hosts_are_bounded_by_one_node_budget_as_if_from_one_host()
    {
        var gate = new RegistrationGate(NodeBudget, TokenCheck.For("s3cret"), _clock);
        // 300 hosts, one guess each: none is penalised on its own, but only the node's burst of 4 is evaluated.
        var codes = Enumerable.Range(0, 300).Select(i => gate.Check($"a@h{i}:1", $"h{i}", "guess")?.Code).ToArray();
        Assert.Equal(4, codes.Count(c => c == Codes.Unauthorized));
        Assert.Equal(296, codes.Count(c => c == Codes.RateLimited));
        Assert.Equal(Codes.RateLimited, gate.Check("a@h300:1", "h300", "s3cret")?.Code); // not evaluated, so not known right
        _clock.Advance(TimeSpan.FromSeconds(2)); // 0.5 a second: one more guess is evaluated
        Assert.Equal(Codes.Unauthorized, gate.Check("a@h301:1", "h301", "guess")?.Code);
        Assert.Equal(Codes.RateLimited, gate.Check("a@h302:1", "h302", "guess")?.Code);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(gate.Check("a@h303:1", "h303", "s3cret")); // a right token is accepted whenever one is evaluated
    }

    [Fact]
    public void A_host_that_presented_the_right_token_is_served_while_the_node_budget_is_spent()
    {
        var gate = new RegistrationGate(NodeBudget, TokenCheck.For("s3cret"), _clock);
        Assert.Null(gate.Check("bob@b:1", "b", "s3cret"));
        for (var i = 0; i < 50; i++) gate.Check($"m@m{i}:1", $"m{i}", "guess");
        Assert.Equal(Codes.RateLimited, gate.Check("m@m99:1", "m99", "guess")?.Code);
        Assert.Null(gate.Check("bob@b:2", "b", "s3cret"));
        // Its own wrong tokens are evaluated and penalised as any host's, without spending the node's budget.
        Assert.Equal(Codes.Unauthorized, gate.Check("bob@b:2", "b", "typo")?.Code);
        Assert.Equal(Codes.Unauthorized, gate.Check("bob@b:2", "b", "typo")?.Code);
        Assert.Equal(Codes.RateLimited, gate.Check("bob@b:2", "b", "s3cret")?.Code);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(gate.Check("bob@b:2", "b", "s3cret"));
    }
}
