namespace Switchboard.Tests.Messages.Startup;

public sealed class HostPortSpecs
{
    [Theory]
    [InlineData("127.0.0.1:4053", "127.0.0.1", 4053)]
    [InlineData("localhost:1", "localhost", 1)]
    [InlineData("[::1]:65535", "::1", 65535)]
    [InlineData("h1.example:4054", "h1.example", 4054)]
    public void An_address_is_a_host_or_bracketed_IPv6_literal_and_a_port(string text, string host, int port)
    {
        Assert.Equal(new HostPort(host, port), HostPort.Parse(text, out var problem));
        Assert.Null(problem);
        Assert.Equal(text, HostPort.Parse(text, out _)!.Value.ToString());
    }

    [Theory]
    [InlineData("4053", "wants HOST:PORT")]
    [InlineData("127.0.0.1:", "wants HOST:PORT")]
    [InlineData(":4053", "wants HOST:PORT")]
    [InlineData("127.0.0.1:0", "port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:65536", "port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:+80", "port must be a number from 1 to 65535")]
    [InlineData("::1:4053", "IPv6 address needs brackets")]
    [InlineData("[]:4053", "has no host")]
    public void Anything_else_is_refused_with_a_reason(string text, string why)
    {
        Assert.Null(HostPort.Parse(text, out var problem));
        Assert.Contains(why, problem);
    }

    // What the server prints ("listening on akka.tcp://switchboard@HOST:PORT") pasted as it is.
    [Theory]
    [InlineData("akka.tcp://switchboard@127.0.0.1:48102", "127.0.0.1", 48102)]
    [InlineData("akka.ssl.tcp://switchboard@h1.example:4053", "h1.example", 4053)]
    [InlineData("akka.tcp://switchboard@[::1]:4053/", "::1", 4053)]
    public void An_actor_system_address_the_server_prints_is_taken_as_its_host_and_port(string text, string host, int port)
    {
        Assert.Equal(new HostPort(host, port), HostPort.Parse(text, out var problem));
        Assert.Null(problem);
    }

    // Any other URL is not mistaken for an IPv6 address: the answer says what form is wanted.
    [Theory]
    [InlineData("http://127.0.0.1:4053", "wants HOST:PORT")]
    [InlineData("tcp://127.0.0.1:4053", "wants HOST:PORT")]
    [InlineData("akka.tcp://127.0.0.1:4053", "wants HOST:PORT")]
    public void Another_url_is_refused_with_the_forms_wanted_not_as_an_unbracketed_IPv6_address(string text, string why)
    {
        Assert.Null(HostPort.Parse(text, out var problem));
        Assert.Contains(why, problem);
        Assert.DoesNotContain("IPv6", problem);
    }

    [Fact]
    public void A_list_names_its_first_bad_entry()
    {
        Assert.Equal(2, HostPort.ParseList("127.0.0.1:1, [::1]:2", out _)!.Count);
        Assert.Null(HostPort.ParseList("127.0.0.1:1,127.0.0.1:x", out var problem));
        Assert.Contains("'x'", problem);
        Assert.Null(HostPort.ParseList(" , ", out problem));
        Assert.NotNull(problem);
    }
}
