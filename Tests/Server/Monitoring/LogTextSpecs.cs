namespace Switchboard.Tests.Server.Monitoring;

/// <summary>What a log line may carry of a peer's text: no character that ends, rewinds or restyles the line on a
/// terminal, and a bounded length (the quotas count lines, not bytes).</summary>
public sealed class LogTextSpecs
{
    [Theory]
    [InlineData("connect from akka.tcp://switchboard-client@127.0.0.1:4100 as 'alice'")]
    [InlineData("a tab\tand a line feed\nstay (the formatters keep a line one line)")]
    [InlineData("")]
    public void A_line_of_ours_is_kept_as_it_is(string line) => Assert.Same(line, LogText.Clean(line));

    [Theory]
    [InlineData("x\ry", @"x\ry")]
    [InlineData("x\u001b[2Ky", @"x\u001b[2Ky")]
    [InlineData("x\u001b]0;owned\u0007y", @"x\u001b]0;owned\u0007y")]
    [InlineData("x\u009by", @"x\u009by")]   // a C1 control sequence introducer
    [InlineData("x\u0000y\u007f", @"x\u0000y\u007f")]
    [InlineData("x\u2028y\u202ez", @"x\u2028y\u202ez")] // a line separator, a right-to-left override
    public void A_control_character_is_written_as_an_escape(string text, string logged) => Assert.Equal(logged, LogText.Clean(text));

    [Fact]
    public void A_long_text_is_cut_and_says_how_much_was_left_out()
    {
        var logged = LogText.Clean(new string('A', 400_000));
        Assert.StartsWith(new string('A', LogText.MaxMessage), logged);
        Assert.EndsWith($"... ({400_000 - LogText.MaxMessage} more characters)", logged);
        Assert.True(logged.Length < LogText.MaxMessage + 64);
    }
}

/// <summary>A stranger's sender path quoted in the log (a Register selection in another address's name, dropped):
/// escaped and bounded, so it neither forges lines nor fills the disk.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class HostileLogSpecs
{
    [Fact]
    public async Task A_peers_path_in_a_warning_is_escaped_and_bounded_and_forges_no_line()
    {
        await using var server = await ServerNode.StartAsync();
        using var mallory = new HostilePeer();
        var provider = ((Akka.Actor.ExtendedActorSystem)mallory.System).Provider;
        const string forged = "\r\u001b[2K12:00:00.000 info: gateway[0] registered 'admin' (clientSeq 1, serverSeq 1)\u001b]0;owned\u0007";
        var gateway = mallory.At($"switchboard@{server.Address}", "/user/gateway");
        // At another address than the peer's own: the transport drops the Register and names its sender in a warning.
        gateway.Tell(new Register("m1"), provider.ResolveActorRef("akka.tcp://switchboard-client@127.0.0.1:1/user/x" + forged));
        gateway.Tell(new Register("m2"), provider.ResolveActorRef("akka.tcp://switchboard-client@127.0.0.1:1/user/" + new string('A', 200_000)));
        await Eventually.HoldsAsync(() => System.Text.RegularExpressions.Regex.Matches(server.Process.StdErr, "dropped a selection of a client path").Count >= 2,
            TimeSpan.FromSeconds(30), () => "both warnings, in:\n" + server.Process.StdErr[^Math.Min(2000, server.Process.StdErr.Length)..]);
        var log = server.Process.StdErr;
        Assert.Contains(@"/user/x\r\u001b[2K12:00:00.000 info: gateway[0] registered 'admin'", log);
        Assert.DoesNotContain("\u001b", log);
        Assert.DoesNotContain("\r", log);
        Assert.All(log.Split('\n'), line => Assert.True(line.Length < LogText.MaxMessage + 512, $"a line of {line.Length} characters"));
    }
}
