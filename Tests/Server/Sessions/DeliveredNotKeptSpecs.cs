using Akka.TestKit;

namespace Switchboard.Tests.Server.Sessions;

/// <summary>
/// A reserved name's DM to a guest goes out first and is kept once delivered. When that write fails, the guest has it:
/// the answer says "delivered" and that it was not kept, and does not ask for a resend. A tester's finding: with
/// PostgreSQL stopped it read "delivered (not kept: history store unavailable; try again)", and trying again reached
/// the recipient twice.
/// </summary>
public sealed class DeliveredNotKeptSpecs : ProbeStoreFixture
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(HistoryText.Unavailable, "history store unavailable")]
    [InlineData(HistoryText.StoreFull, "history store full (no space left on the server's disk)")]
    public void A_dm_delivered_but_not_written_says_so_without_asking_for_a_resend(string failure, string said)
    {
        var alice = CreateTestProbe();
        var post = AliceDmsBobHi(alice, Wait);
        StoreProbe.Reply(new HistoryFailed(post.Ticket, Codes.Unavailable, failure));

        var answer = alice.FishForMessage<Reply>(r => r.Id == 5, Wait);
        Assert.Equal((Codes.Ok, $"delivered (not kept in the history: {said}; the recipient has it, do not send it again)"),
            (answer.Code, answer.Value.Text));
    }
}
