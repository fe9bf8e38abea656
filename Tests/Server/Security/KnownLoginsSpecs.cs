namespace Switchboard.Tests.Server.Security;

/// <summary>The pairs of host and name that logged in there: bounded, the least recently used forgotten first, and a
/// released name forgotten at every host.</summary>
public sealed class KnownLoginsSpecs
{
    [Fact]
    public void Past_its_bound_the_least_recently_used_pair_is_forgotten_first()
    {
        var known = new KnownLogins();
        for (var i = 0; i < KnownLogins.MaxTracked; i++) known.LoggedIn("10.0.0.1", $"user{i}");
        known.LoggedIn("10.0.0.1", "user0"); // used again: now the most recent

        known.LoggedIn("10.0.0.2", "newcomer");

        Assert.Equal(KnownLogins.MaxTracked, known.Count);
        Assert.True(known.Contains("10.0.0.1", "user0"));
        Assert.False(known.Contains("10.0.0.1", "user1"));
        Assert.True(known.Contains("10.0.0.2", "newcomer"));
    }

    [Fact]
    public void A_released_name_is_forgotten_at_every_host_and_others_are_kept()
    {
        var known = new KnownLogins();
        known.LoggedIn("10.0.0.1", "alice");
        known.LoggedIn("10.0.0.2", "alice");
        known.LoggedIn("10.0.0.1", "bob");

        known.Forget("alice");

        Assert.False(known.Contains("10.0.0.1", "alice"));
        Assert.False(known.Contains("10.0.0.2", "alice"));
        Assert.True(known.Contains("10.0.0.1", "bob"));
        Assert.Equal(1, known.Count);
    }
}
