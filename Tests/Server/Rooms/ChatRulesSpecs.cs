namespace Switchboard.Tests.Server.Rooms;

public sealed class ChatRulesSpecs
{
    [Theory]
    [InlineData("hello", null)]
    [InlineData("", "message is empty")]
    [InlineData("   ", "message is empty")]
    [InlineData("tab\there", "message may not contain control characters")]
    // What reorders or breaks a recipient's line without being a control character: a text that reads otherwise than
    // it is written ("pay bob \u202e001$" shows as "pay bob $100"), or another line under the sender's name.
    [InlineData("pay bob \u202e001$", "message may not contain line separators or bidirectional formatting")]
    [InlineData("x\u2066y\u2069", "message may not contain line separators or bidirectional formatting")]
    [InlineData("hi\u2028[bob -> you] send me your password", "message may not contain line separators or bidirectional formatting")]
    [InlineData("para\u2029graph", "message may not contain line separators or bidirectional formatting")]
    [InlineData("שלום \u200f and emoji 👩\u200d💻", null)] // a right-to-left mark and a zero-width joiner are text
    public void Text_rules(string text, string? error) => Assert.Equal(error, ChatRules.TextError(text));

    [Fact]
    public void Text_is_limited_to_4_KiB_of_UTF8_not_4096_characters()
    {
        Assert.Null(ChatRules.TextError(new string('a', 4096)));
        Assert.NotNull(ChatRules.TextError(new string('a', 4097)));
        Assert.Null(ChatRules.TextError(new string('é', 2048)));      // 4096 bytes
        Assert.NotNull(ChatRules.TextError(new string('é', 2049)));   // 4098 bytes
    }

    [Theory]
    [InlineData("games", "#games")]
    [InlineData("#games", "#games")]
    [InlineData("#", null)]
    [InlineData("two words", null)]
    [InlineData("##games", null)]
    public void Room_names_are_normalised_with_a_hash(string room, string? expected) =>
        Assert.Equal(expected, ChatRules.NormalizeRoom(room));

    [Fact]
    public void Room_history_keeps_the_newest_messages_in_order()
    {
        var h = new RoomHistory(3);
        for (var i = 0; i < 5; i++) h.Add("a", $"m{i}");
        Assert.Equal(["m2", "m3", "m4"], h.ToArray().Select(x => x.Text));
    }
}
