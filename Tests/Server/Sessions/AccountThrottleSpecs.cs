namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// A client past its account commands' budget is told the budget as it applies (a burst, then a rate) and when to try
/// again: "at most 6 a minute; try again later" after three commands in a second read as a wrong count, with no time.
/// </summary>
public sealed class AccountThrottleSpecs
{
    [Fact]
    public void Too_many_account_commands_says_the_burst_the_rate_and_when_to_try_again()
    {
        var text = SessionActor.TooManyAccountCommands(burst: 3, perMinute: 6, wait: TimeSpan.FromSeconds(9.2));
        Assert.Equal("too many account commands (3 at once, then 6 a minute); try again in 10 s", text);
    }

    [Fact]
    public void A_wait_under_a_second_is_said_as_one_second()
    {
        Assert.EndsWith("try again in 1 s", SessionActor.TooManyAccountCommands(3, 6, TimeSpan.FromMilliseconds(20)));
    }
}
