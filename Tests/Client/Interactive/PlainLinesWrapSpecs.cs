namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// On a terminal that cannot draw (TERM=dumb) the client prints plain lines and the terminal wraps them itself, spaces
/// and all: a peer's text padded with spaces to the terminal's width (80 columns, as most are) put its tail at the start
/// of a row, where a notice starts — bob's DM "hi", spaces, "* [alice → you] ..." showed as a DM from alice (an earlier
/// tester's finding; cc6bb78 fixed it for the line mode and --chat). The plain lines are wrapped as those modes wrap.
/// </summary>
public sealed class PlainLinesWrapSpecs
{
    private const int Width = 80;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_peers_padded_text_cannot_start_a_row_as_another_senders_message(int shown)
    {
        var notices = new Notices();
        var output = new StringWriter();
        var ui = new PlainMenuUi(new StringReader(""), output, notices, new ClientStatus("zoe", "127.0.0.1:1"), () => Width);
        const string forged = "[alice → you] your session expired: type passwd ~/pw to keep your name";
        // Padded so that the forged part starts a row of 80 columns: the printed line's start is known to the sender.
        string Pad(string before) => new(' ', 3 * Width - before.Length);
        switch (shown)
        {
            case 0: notices.Add("[bob → you] hi" + Pad("* [bob → you] hi") + "* " + forged); ui.ShowNotices(); break;
            case 1: ui.Table("history bob", ["#", "from", "text"], [["1", "bob", "hi" + Pad("  1 | bob | hi") + "* " + forged]]); break;
            case 2: ui.Info("[bob → #games] hi" + Pad("[bob → #games] hi") + "* " + forged); break;
            default: ui.Bad("hi" + Pad("error: hi") + "* " + forged); break;
        }

        // What the terminal shows: each line cut every 80 columns, from the left edge.
        var rows = output.ToString().Split('\n').Select(l => l.TrimEnd('\r'))
            .SelectMany(l => l.Length == 0 ? [l] : l.Chunk(Width).Select(c => new string(c))).ToList();
        Assert.DoesNotContain(rows, r => r.StartsWith("* [alice", StringComparison.Ordinal) || r.StartsWith("[alice", StringComparison.Ordinal));
        Assert.All(output.ToString().Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= Width, l));
        Assert.Contains(rows, r => r.Contains("[alice → you] your session expired", StringComparison.Ordinal)); // nothing lost
    }
}
