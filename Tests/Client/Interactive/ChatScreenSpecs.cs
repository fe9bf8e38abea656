using Switchboard.Client.Interactive.Chat;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>The chat view's proportions, without a console.</summary>
public sealed class ChatScreenSpecs
{
    [Theory]
    [InlineData(50, 14)]
    [InlineData(80, 20)]
    [InlineData(200, 26)]
    public void The_online_list_takes_a_quarter_of_the_terminal_within_bounds_leaving_the_rest_to_the_messages(int width, int side)
    {
        Assert.Equal(side, ChatScreen.SideWidth(width));
        // The messages keep most of it: at 50 columns 32 (a fixed 26-column list left them 20).
        Assert.True(width - ChatScreen.SideWidth(width) - 4 >= width / 2 + 7);
    }
}
