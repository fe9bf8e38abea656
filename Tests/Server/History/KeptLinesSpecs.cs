using Switchboard.Server.History;

namespace Switchboard.Tests.Server.History;

/// <summary>
/// A conversation's kept lines: oldest first whatever was added and trimmed before (the ring wrapping round and growing
/// while wrapped, texts of every length and script wrapping round theirs), trimmed from the start, and found by time.
/// </summary>
public sealed class KeptLinesSpecs
{
    private static ChatLine Line(long id) => new(id, id % 3 == 0 ? "zoë" : "alice", Text(id), 1_000 + id);

    // Short and long, ASCII and not: some texts wrap round the end of the text ring, some make it grow while wrapped.
    private static string Text(long id) => (id % 4) switch
    {
        0 => $"line {id}",
        1 => $"línea {id} ✓ 日本語 " + new string('x', (int)(id * 37 % 700)),
        2 => "",
        _ => new string('é', (int)(id * 53 % 2100)),
    };

    private static void Add(KeptLines lines, ChatLine line) => lines.Add(line.Id, line.From, line.Text, line.TimeMs);

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
                Add(lines, line);
                expected.Add(line);
            }
            var trim = round % 3 == 0 ? 0 : Math.Min(expected.Count, 5 + round % 4);
            lines.RemoveOldest(trim);
            expected.RemoveRange(0, trim);
            Assert.Equal(expected, Enumerable.Range(0, lines.Count).Select(i => lines[i]));
            Assert.Equal(expected.Select(l => (l.Id, l.TimeMs, 2L * (l.From.Length + l.Text.Length))),
                Enumerable.Range(0, lines.Count).Select(i => (lines.IdAt(i), lines.TimeAt(i), lines.SizeAt(i))));
        }
        Assert.True(lines.Count > 16, $"grew past its first capacity ({lines.Count})");
    }

    [Fact]
    public void The_first_line_at_or_after_a_time_is_found_and_none_past_the_newest()
    {
        var lines = new KeptLines();
        foreach (var id in Enumerable.Range(1, 20)) Add(lines, Line(id));
        lines.RemoveOldest(12);

        Assert.Equal(0, lines.FirstAtOrAfter(0));
        Assert.Equal(2, lines.FirstAtOrAfter(1_015));
        Assert.Equal(-1, lines.FirstAtOrAfter(1_021));
        Assert.Throws<ArgumentOutOfRangeException>(() => lines[8]);
        Assert.Throws<ArgumentOutOfRangeException>(() => lines.RemoveOldest(9));
    }

    [Fact]
    public void Emptied_it_starts_again_and_keeps_what_comes_next()
    {
        var lines = new KeptLines();
        foreach (var id in Enumerable.Range(1, 30)) Add(lines, Line(id));
        lines.RemoveOldest(30);
        Assert.Equal(0, lines.Count);
        Add(lines, Line(31));
        Add(lines, Line(32));
        Assert.Equal([Line(31), Line(32)], [lines[0], lines[1]]);
    }
}
