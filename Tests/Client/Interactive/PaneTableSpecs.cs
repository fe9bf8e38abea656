using Switchboard.Client.Interactive.Chat;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>The chat view's tables (who, rooms, history) line up as the line mode's do.</summary>
public sealed class PaneTableSpecs
{
    [Fact]
    public void Columns_line_up_at_their_widest_cell_and_the_last_is_left_as_is()
    {
        var lines = PaneTable.Lines(["id", "time", "from", "text"],
            [["6", "2026-12-05 08:10:33", "dave", "dave here"], ["12", "2026-12-05 08:11:02", "bé", "hi"]]);
        Assert.Equal([
            "  id  time                 from  text",
            "  6   2026-12-05 08:10:33  dave  dave here",
            "  12  2026-12-05 08:11:02  bé    hi",
        ], lines);
    }
}
