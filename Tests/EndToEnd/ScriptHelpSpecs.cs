namespace Switchboard.Tests.EndToEnd;

/// <summary>The scripts' arguments, answered before anything is built or started. A new user's finding: <c>./test.sh
/// --help</c> ignored what it did not know and ran the whole suite (a build and minutes of tests), as did a mistyped
/// <c>--fats</c>; <c>./demo.sh --help</c> started the demo; <c>./tls-certs.sh --help</c> took it for the directory.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class ScriptHelpSpecs
{
    [Theory]
    [InlineData("test.sh", "usage: ./test.sh [--fast | --process]")]
    [InlineData("demo.sh", "./demo.sh stop")]
    [InlineData("tls-certs.sh", "usage: ./tls-certs.sh DIR [CA-NAME]")]
    public async Task Help_is_the_usage_and_runs_nothing(string script, string usage)
    {
        var (code, stdout, stderr) = await RepoScript.RunAsync(script, ["--help"]);
        Assert.Equal(0, code);
        Assert.Contains(usage, stdout);
        Assert.Equal("", stderr);
    }

    [Theory]
    [InlineData("test.sh", "test.sh: unknown argument", "--fats")]
    [InlineData("test.sh", "test.sh: unknown argument", "--fast", "--process")]
    [InlineData("demo.sh", "demo.sh: unknown command '--fats'", "--fats")]
    [InlineData("tls-certs.sh", "tls-certs.sh: unknown option -x", "-x")]
    public async Task An_unknown_argument_is_exit_code_2_saying_so(string script, string error, params string[] args)
    {
        var (code, stdout, stderr) = await RepoScript.RunAsync(script, args);
        Assert.Equal(2, code);
        Assert.Contains(error, stderr);
        Assert.Equal("", stdout);
    }
}
