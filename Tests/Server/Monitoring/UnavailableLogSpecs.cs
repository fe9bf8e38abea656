using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Server.Monitoring;

/// <summary>Every 503 a node answers leaves a line its operator can follow, and a flood of them a line per cause per
/// interval (<see cref="UnavailableLog"/>). An operator's finding: on a loaded box the first room messages after a start
/// were answered 503 "did not answer in time" and the server logged nothing.</summary>
public sealed class UnavailableLogSpecs() : TestKit(ConfigurationFactory.ParseString("akka.loglevel = DEBUG").WithFallback(ActorTestConfig.TimeFactorConfig))
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void The_first_503_of_a_cause_is_a_warning_at_once_the_rest_of_its_interval_one_line_at_its_end()
    {
        using var log = new UnavailableLog(Sys.Log, _clock);
        EventFilter.Warning(contains: "answered 503 to 'alice' #3: " + HistoryText.NoAnswer + " [the history store did not answer within switchboard.history.timeout")
            .ExpectOne(() => log.Note("alice", 3, HistoryText.NoAnswer));
        EventFilter.Warning().Expect(0, TimeSpan.FromMilliseconds(200), () =>
        {
            for (var i = 0; i < 1000; i++) log.Note("bob", i, HistoryText.NoAnswer);
            _clock.Advance(UnavailableLog.Interval / 2);
            log.Flush();
        });
        // Its timer a little early (seen by hand: 4 ms, and the line came an interval late) is the interval's end.
        _clock.Advance(UnavailableLog.Interval / 2 - TimeSpan.FromMilliseconds(4));
        EventFilter.Warning(contains: "answered 503 to 1000 more request(s) in the last 10 s: " + HistoryText.NoAnswer).ExpectOne(log.Flush);
        _clock.Advance(TimeSpan.FromMilliseconds(4));
        // Still coming: one line an interval, however many.
        EventFilter.Warning().Expect(0, TimeSpan.FromMilliseconds(200), () => log.Note("carol", 1, HistoryText.NoAnswer));
        _clock.Advance(UnavailableLog.Interval);
        EventFilter.Warning(contains: "answered 503 to 1 more request(s)").ExpectOne(log.Flush);
        // A quiet interval forgets the cause: the next 503 of it is a line at once again.
        _clock.Advance(UnavailableLog.Interval);
        EventFilter.Warning().Expect(0, TimeSpan.FromMilliseconds(200), log.Flush);
        EventFilter.Warning(contains: "answered 503 to 'dave' #9").ExpectOne(() => log.Note("dave", 9, HistoryText.NoAnswer));
    }

    [Fact]
    public void Causes_are_told_apart_up_to_a_bound_past_which_they_count_as_one()
    {
        using var log = new UnavailableLog(Sys.Log, _clock);
        EventFilter.Warning(contains: "answered 503 to").Expect(UnavailableLog.MaxCauses + 1, () =>
        {
            for (var i = 0; i < 100; i++) log.Note("alice", i, $"the inbox of 'u{i}' is full");
        });
        _clock.Advance(UnavailableLog.Interval);
        EventFilter.Warning(contains: $"answered 503 to {100 - UnavailableLog.MaxCauses - 1} more request(s) in the last 10 s: other causes").ExpectOne(log.Flush);
    }
}
