using Switchboard.Server.History;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// A conversation's kept lines: oldest first whatever was added and trimmed before (the ring wrapping round and growing
/// while wrapped), trimmed from the start, and found by time.
/// </summary>
public sealed class KeptLinesSpecs
{
    private static ChatLine Line(long id) => new(id, "alice", $"line {id}", 1_000 + id);

    [Fact]
    public void Lines_read_oldest_first_after_trims_that_wrap_the_ring_and_growth_while_wrapped()
    {
        var lines = new KeptLines();
        var expected = new List<ChatLine>();
        long next = 1;
        // Add and trim in uneven steps, past the first capacity several times over.
        for (var round = 0; round < 40; round++)
        {
            for (var i = 0; i < 7 + round % 5; i++)
            {
                var line = Line(next++);
                lines.Add(line);
                expected.Add(line);
            }
            var trim = round % 3 == 0 ? 0 : Math.Min(expected.Count, 5 + round % 4);
            lines.RemoveOldest(trim);
            expected.RemoveRange(0, trim);
            Assert.Equal(expected, Enumerable.Range(0, lines.Count).Select(i => lines[i]));
        }
        Assert.True(lines.Count > 16, $"grew past its first capacity ({lines.Count})");
    }

    [Fact]
    public void The_first_line_at_or_after_a_time_is_found_and_none_past_the_newest()
    {
        var lines = new KeptLines();
        foreach (var id in Enumerable.Range(1, 20)) lines.Add(Line(id));
        lines.RemoveOldest(12);

        Assert.Equal(0, lines.FirstAtOrAfter(0));
        Assert.Equal(2, lines.FirstAtOrAfter(1_015));
        Assert.Equal(-1, lines.FirstAtOrAfter(1_021));
        Assert.Throws<ArgumentOutOfRangeException>(() => lines[8]);
        Assert.Throws<ArgumentOutOfRangeException>(() => lines.RemoveOldest(9));
    }
}
