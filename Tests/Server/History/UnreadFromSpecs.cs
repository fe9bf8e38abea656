namespace Switchboard.Tests.Server.History;

/// <summary>Where unread messages start: after the reader's marker, or from the first where the conversation's newest id
/// is below the marker (its history was dropped and its ids started again from 1, as
/// <c>GuestConversationBoundSpecs</c> and <c>RoomHistoryBoundSpecs</c> show the store does).</summary>
public sealed class UnreadFromSpecs
{
    [Theory]
    [InlineData(3, 7, 3)] // read up to 3 of 7: 4 unread
    [InlineData(7, 7, 7)] // all read
    [InlineData(0, 7, 0)] // nothing read
    [InlineData(57, 2, 0)] // the marker is past the newest: dropped and started again, both messages are new
    public void Unread_messages_start_after_the_marker_unless_the_ids_started_again(long marker, long lastId, long from) =>
        Assert.Equal(from, Unread.From(marker, lastId));
}
