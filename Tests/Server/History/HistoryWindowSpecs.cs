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
