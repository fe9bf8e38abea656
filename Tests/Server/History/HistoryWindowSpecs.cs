namespace Switchboard.Tests.Server.History;

/// <summary>Which kept messages a history query gets (<see cref="HistoryWindow"/>): ids 11..40 kept, 10 trimmed.</summary>
public sealed class HistoryWindowSpecs
{
    private const int Max = 100;
    private const long First = 11, Last = 40;

    private static (long, long)? Select(HistoryAnchor anchor, long at, int count, out string? error) =>
        HistoryWindow.Select(anchor, at, count, Max, First, Last, out error);

    [Theory]
    [InlineData(HistoryAnchor.Latest, 0, 5, 36, 40)]
    [InlineData(HistoryAnchor.Latest, 0, 1000, 11, 40)] // asks more than is kept: all that is
    [InlineData(HistoryAnchor.Before, 20, 3, 17, 19)]
    [InlineData(HistoryAnchor.Before, 12, 5, 11, 11)] // clipped at the first kept
    [InlineData(HistoryAnchor.After, 37, 10, 38, 40)] // clipped at the newest
    [InlineData(HistoryAnchor.Around, 20, 5, 18, 22)]
    [InlineData(HistoryAnchor.Around, 20, 4, 19, 22)] // the odd one goes after
    [InlineData(HistoryAnchor.Around, 20, 1, 20, 20)]
    [InlineData(HistoryAnchor.Around, 999, 3, 38, 40)] // past the newest: the newest, a whole page (a new user's finding)
    [InlineData(HistoryAnchor.Around, 39, 5, 36, 40)] // near the newest: the five nearest, a whole page (a retest's finding)
    [InlineData(HistoryAnchor.Around, 40, 20, 21, 40)] // at the newest: as past it
    [InlineData(HistoryAnchor.Around, 12, 5, 11, 15)] // near the first kept: the five nearest
    [InlineData(HistoryAnchor.Around, 20, 100, 11, 40)] // more than is kept: all of it
    [InlineData(HistoryAnchor.After, 0, 5, 11, 15)] // from the start: the first kept
    [InlineData(HistoryAnchor.After, 3, 2, 11, 12)] // after a trimmed id: the same
    public void A_query_gets_the_kept_ids_of_its_window(HistoryAnchor anchor, long at, int count, long from, long to)
    {
        Assert.Equal((from, to), Select(anchor, at, count, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData(HistoryAnchor.Before, 5)] // all of it trimmed
    [InlineData(HistoryAnchor.Before, 11)]
    [InlineData(HistoryAnchor.After, 40)] // nothing newer yet
    [InlineData(HistoryAnchor.After, long.MaxValue)] // and no overflow
    [InlineData(HistoryAnchor.Around, 3)]
    public void A_window_outside_what_is_kept_is_empty(HistoryAnchor anchor, long at)
    {
        var (from, to) = Select(anchor, at, 5, out _)!.Value;
        Assert.True(from > to, $"{from}..{to}");
    }

    [Fact]
    public void The_servers_bound_caps_the_count() =>
        Assert.Equal((31L, 40L), HistoryWindow.Select(HistoryAnchor.Latest, 0, int.MaxValue, 10, First, Last, out _));

    [Theory]
    [InlineData(HistoryAnchor.Latest, 0, 0)]
    [InlineData(HistoryAnchor.Latest, 0, -5)]
    [InlineData(HistoryAnchor.Before, 0, 5)]
    [InlineData(HistoryAnchor.After, -1, 5)]
    [InlineData(HistoryAnchor.Around, 0, 5)]
    [InlineData(HistoryAnchor.Around, long.MinValue, 5)]
    [InlineData(HistoryAnchor.None, 5, 5)]
    [InlineData((HistoryAnchor)99, 5, 5)]
    public void A_malformed_query_is_refused_with_why(HistoryAnchor anchor, long at, int count)
    {
        Assert.Null(Select(anchor, at, count, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void An_empty_conversation_answers_every_window_empty()
    {
        foreach (var anchor in new[] { HistoryAnchor.Latest, HistoryAnchor.Before, HistoryAnchor.After, HistoryAnchor.Around })
        {
            var (from, to) = HistoryWindow.Select(anchor, 1, 10, Max, 1, 0, out _)!.Value;
            Assert.True(from > to, $"{anchor}: {from}..{to}");
        }
    }
}

/// <summary>How a page too large for one reply is cut (<see cref="HistoryWindow.Cap"/>): the messages nearest its anchor
/// stay, whatever the anchor.</summary>
public sealed class HistoryCapSpecs
{
    // Ids 11..40, each line 10 chars of text and 1 of name.
    private static readonly ChatLine[] Lines = [.. Enumerable.Range(11, 30).Select(i => new ChatLine(i, "b", new string('x', 10), i))];

    private static long[] Ids(HistoryAnchor anchor, long at, long budget)
    {
        var (start, count) = HistoryWindow.Cap(Lines, anchor, at, budget);
        return [.. Lines.Skip(start).Take(count).Select(l => l.Id)];
    }

    [Fact]
    public void Latest_and_before_keep_the_newest() =>
        Assert.Equal([38, 39, 40], Ids(HistoryAnchor.Latest, 0, 33));

    [Fact]
    public void After_keeps_the_oldest() =>
        Assert.Equal([11, 12, 13], Ids(HistoryAnchor.After, 10, 33));

    [Theory]
    [InlineData(20, 55, new long[] { 18, 19, 20, 21, 22 })] // five fit: the anchor in the middle
    [InlineData(20, 44, new long[] { 19, 20, 21, 22 })] // four: the odd one after, as an uncut page has it
    [InlineData(11, 33, new long[] { 11, 12, 13 })] // at the first kept: the rest after it
    [InlineData(40, 33, new long[] { 38, 39, 40 })] // at the newest: the rest before it
    [InlineData(25, 5, new long[] { 25 })] // not even one fits: the anchor alone, as a single line always goes
    public void Around_keeps_the_anchor_and_its_nearest_on_both_sides(long at, long budget, long[] expected) =>
        Assert.Equal(expected, Ids(HistoryAnchor.Around, at, budget));

    [Fact]
    public void Around_an_id_not_among_the_lines_keeps_those_nearest_it() =>
        // Below the first line (the reader sees only the later ones): the first of them.
        Assert.Equal([11, 12], Ids(HistoryAnchor.Around, 5, 22));

    [Fact]
    public void A_page_within_the_budget_is_whole() =>
        Assert.Equal(30, Ids(HistoryAnchor.Around, 20, 10_000).Length);
}
