namespace Switchboard.Tests.Server.History;

/// <summary>
/// A hostile tester's finding: protocol.md says "around a trimmed id, none" (and HistoryWindow's own comment: "around a
/// trimmed id, nothing"), but an id just below the first kept one reads part of a page of kept messages: with 11..40
/// kept (10 trimmed), <c>history #r around 10 5</c> answers 11 and 12, <c>around 9 5</c> answers 11, <c>around 8 5</c>
/// none. Seen end to end: 50 messages, max-messages = 20, <c>history #ed around 30 5</c> answered ids 31, 32.
/// </summary>
public sealed class HostileHistoryAroundTrimmedSpecs
{
    [Theory]
    [InlineData(10L)]
    [InlineData(9L)]
    [InlineData(8L)]
    public void Around_a_trimmed_id_reads_none(long trimmedId)
    {
        var (from, to) = HistoryWindow.Select(HistoryAnchor.Around, trimmedId, 5, 100, 11, 40, out var error)!.Value;
        Assert.Null(error);
        Assert.True(from > to, $"around trimmed id {trimmedId} read {from}..{to}");
    }
}
