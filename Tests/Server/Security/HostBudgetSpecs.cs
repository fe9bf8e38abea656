namespace Switchboard.Tests.Server.Security;

/// <summary>A host's budget of something costly: its burst at once, then refilled with time, per host, and bounded in
/// the hosts it remembers.</summary>
public sealed class HostBudgetSpecs
{
    [Fact]
    public void A_host_spends_its_burst_then_waits_for_the_budget_to_refill_and_other_hosts_are_not_affected()
    {
        var clock = new ManualClock();
        var budget = new HostBudget(perHour: 3600, burst: 2, clock);
        budget.Take("a");
        budget.Take("a");
        Assert.False(budget.CanTake("a"));
        Assert.True(budget.CanTake("b"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.CanTake("a"));
    }

    [Fact]
    public void Zero_per_hour_is_no_bound()
    {
        var budget = new HostBudget(perHour: 0, burst: 1, new ManualClock());
        for (var i = 0; i < 100; i++) budget.Take("a");
        Assert.True(budget.CanTake("a"));
        Assert.Equal(0, budget.Tracked);
    }

    [Fact]
    public void Past_its_bound_hosts_with_a_full_budget_are_forgotten_and_those_still_spent_are_kept()
    {
        var clock = new ManualClock();
        var budget = new HostBudget(perHour: 1, burst: 2, clock);
        budget.Take("spent");
        budget.Take("spent");
        for (var i = 0; i < HostBudget.MaxTracked - 1; i++) budget.Take($"host{i}");
        clock.Advance(TimeSpan.FromHours(1)); // every host that spent one has it back; "spent" one of two
        budget.Take("newcomer");
        Assert.True(budget.Tracked <= HostBudget.MaxTracked);
        Assert.True(budget.CanTake("spent"));
        budget.Take("spent");
        Assert.False(budget.CanTake("spent"));
    }

    [Fact]
    public void A_spent_budget_says_how_long_until_it_has_enough_again()
    {
        var clock = new ManualClock();
        var budget = new HostBudget(perHour: 60, burst: 2, clock);
        Assert.Equal(TimeSpan.Zero, budget.Until("a"));
        budget.Take("a");
        budget.Take("a");
        Assert.Equal(TimeSpan.FromMinutes(1), budget.Until("a"));
        Assert.Equal(TimeSpan.FromMinutes(2), budget.Until("a", 2));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.Zero, budget.Until("a"));
    }
}
