using Switchboard.Messages.Startup;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>The server's help teaches, and its option errors say what to type instead.</summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class HelpSpecs
{
    [Fact]
    public async Task Help_lists_subcommands_scripted_commands_codes_and_examples()
    {
        await using var help = new ChildProcess(Binaries.Server, ["--help"], redirectInput: false);
        Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        foreach (var part in new[] { "Modes and subcommands:", "inspect", "backup", "restore", "accounts", "--monitor", "--db <CONNECTION|FILE>", "The cluster store", "calc A OP B", "Response codes:", "409 name already taken", "Exit codes:", "Examples:" })
            Assert.Contains(part, help.StdOut);

        // The server's list of what clients send is written by hand: it names exactly the client's scripted commands.
        var sends = help.StdOut[help.StdOut.IndexOf("What clients send", StringComparison.Ordinal)..help.StdOut.IndexOf("Response codes:", StringComparison.Ordinal)];
        var named = sends.Split('\n').Skip(1).SelectMany(l => l.Split(" · ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(item => item.Split(' ')[0]).ToHashSet();
        Assert.Equal(CommandCatalog.Scripted.Select(c => c.Name).Order(), named.Order());
    }

    [Fact]
    public async Task Backup_and_restore_help_say_how_they_go_together_and_what_their_exit_codes_mean()
    {
        await using (var help = new ChildProcess(Binaries.Server, ["backup", "--help"], redirectInput: false))
        {
            Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            foreach (var part in new[] { "--to <FILE>", "--data <DIR>", "ActorServer restore --from FILE --data DIR", "3 the target exists" })
                Assert.Contains(part, help.StdOut);
        }
        await using (var help = new ChildProcess(Binaries.Server, ["restore", "--help"], redirectInput: false))
        {
            Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            foreach (var part in new[] { "--from <FILE>", "--data <DIR>", "For stopped servers", "before-restore-TIME", "1 no backup there" })
                Assert.Contains(part, help.StdOut);
        }
    }

    [Fact]
    public async Task Accounts_help_says_the_servers_must_be_stopped_how_the_password_is_read_and_what_its_exit_codes_mean()
    {
        foreach (var (args, names) in new[] { (new[] { "accounts", "--help" }, "set-password"), (["accounts", "set-password", "--help"], "--data <DIR>"), (["accounts", "release", "--help"], "<NAME>") })
        {
            await using var help = new ChildProcess(Binaries.Server, args, redirectInput: false);
            Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            foreach (var part in new[] { names, "Every server using DIR must be stopped", "first line", "3 a server is running on DIR", "4 NAME is not reserved" })
                Assert.Contains(part, help.StdOut);
        }
    }

    // A terminal's usual width: past it, the help wraps and breaks its own columns (a new user's finding).
    [Theory]
    [InlineData(new[] { "--help" }, 0)]
    [InlineData(new[] { "inspect", "--help" }, 0)]
    [InlineData(new[] { "backup", "--help" }, 0)]
    [InlineData(new[] { "restore", "--help" }, 0)]
    [InlineData(new[] { "accounts", "set-password", "--help" }, 0)]
    [InlineData(new[] { "--no-such-option" }, 2)]
    public async Task Every_line_of_the_servers_help_and_usage_fits_in_80_columns(string[] args, int exitCode)
    {
        await using var help = new ChildProcess(Binaries.Server, args, redirectInput: false);
        Assert.Equal(exitCode, await help.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var text = help.StdOut + help.StdErr;
        Assert.Contains("ActorServer", text);
        var wide = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > HelpText.Width).ToArray();
        Assert.True(wide.Length == 0, $"{wide.Length} line(s) past {HelpText.Width} columns:\n{string.Join('\n', wide)}");
    }

    // A new user's finding: backup without --to was shown the whole server's usage, seven lines, none of them backup's own.
    [Theory]
    [InlineData(new[] { "backup", "--data", "/nonexistent", "FILE" }, "usage: ActorServer backup [--data DIR] --to FILE", "ActorServer backup --help")]
    [InlineData(new[] { "accounts", "set-password", "alice", "extra" }, "usage: ActorServer accounts list | release NAME", "ActorServer accounts --help")]
    public async Task A_subcommands_mistake_is_shown_that_subcommands_usage(string[] args, string usage, string more)
    {
        await using var server = new ChildProcess(Binaries.Server, args, redirectInput: false);
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(usage, server.StdErr);
        Assert.Contains(more, server.StdErr);
        Assert.DoesNotContain("--cluster", server.StdErr);
    }

    // A new user's finding: with HOME naming a directory that does not exist (Debian's nobody has /nonexistent), the
    // default data directory was .local/share/switchboard under the working directory, another store wherever the
    // server was started from. It is under HOME, as XDG says, whatever the working directory.
    [Fact]
    public async Task The_default_data_directory_is_under_HOME_even_when_HOME_does_not_exist()
    {
        var home = Path.Combine(Path.GetTempPath(), "sb-no-home-" + Guid.NewGuid().ToString("N")[..12]);
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in new[] { Binaries.Server, "backup", "--to", Path.Combine(home, "copy.db") }) start.ArgumentList.Add(a);
        start.Environment["HOME"] = home;
        start.Environment.Remove("XDG_DATA_HOME");
        using var backup = System.Diagnostics.Process.Start(start)!;
        var error = await backup.StandardError.ReadToEndAsync();
        await backup.WaitForExitAsync();
        Assert.Equal(1, backup.ExitCode);
        Assert.Contains($"no data directory {home}/.local/share/switchboard", error);
        Assert.False(Directory.Exists(home));
    }

    // A cluster operator's finding: `backup --db F` (or restore, accounts) answered only "Unrecognized command or argument
    // '--db'": the store of --db is PostgreSQL's to back up and restore, and its accounts are changed by their owners.
    [Theory]
    [InlineData(new[] { "backup", "--db", "db.conn", "--to", "x.db" }, "pg_dump")]
    [InlineData(new[] { "restore", "--db=db.conn", "--from", "x.db" }, "pg_restore")]
    [InlineData(new[] { "accounts", "release", "alice", "--db", "db.conn" }, "changed by their owners only")]
    public async Task A_subcommand_given_a_clusters_db_says_what_to_use_instead(string[] args, string instead)
    {
        await using var server = new ChildProcess(Binaries.Server, args, redirectInput: false);
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(instead, server.StdErr);
        Assert.Contains("docs/operating.md#the-cluster-store", server.StdErr);
    }

    [Theory]
    [InlineData(new[] { "--port", "abc" }, "--port wants a port number 0..65535")]
    [InlineData(new[] { "--host", "no-such-host.invalid", "--port", "0" }, "does not resolve")]
    // A new user's finding: an address of another machine (192.0.2.1 is for documentation, never assigned) was reported as
    // "already in use by another process" (the probe's connect went out through the default route and was answered).
    [InlineData(new[] { "--host", "192.0.2.1", "--port", "0" }, "--host 192.0.2.1 is not an address of this machine")]
    [InlineData(new[] { "--host", "192.0.2.1", "--port", "4053", "--seeds", "127.0.0.1:4054" }, "--host 192.0.2.1 is not an address of this machine")]
    [InlineData(new[] { "--monitor", "192.0.2.1:8222", "--port", "0" }, "--monitor 192.0.2.1 is not an address of this machine")]
    [InlineData(new[] { "--monitor", "8222", "--port", "0" }, "--monitor wants HOST:PORT")]
    [InlineData(new[] { "--db", "Host=h;Database=d;Username=u", "--port", "0" }, "--db is for cluster mode; a single-host server keeps its data in --data DIR")]
    public async Task Bad_options_get_a_message_a_person_can_act_on_and_exit_code_2(string[] args, string message)
    {
        await using var server = new ChildProcess(Binaries.Server, args, redirectInput: false);
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(message, server.StdErr);
    }

    // A new user's finding: an empty value (`--data "$DATA"` with DATA unset) crashed with .NET's "Unhandled exception:
    // System.ArgumentException: The value cannot be an empty string" and its stack, exit code 1, as if the store failed.
    [Theory]
    [InlineData(new[] { "--port", "0", "--data", "" }, "--data")]
    [InlineData(new[] { "--port", "0", "--token-file", "" }, "--token-file")]
    [InlineData(new[] { "--port", "0", "--host", "" }, "--host")]
    [InlineData(new[] { "backup", "--to", "" }, "--to")]
    [InlineData(new[] { "restore", "--from", "" }, "--from")]
    [InlineData(new[] { "accounts", "list", "--data", "" }, "--data")]
    public async Task An_option_given_an_empty_value_is_a_usage_error_naming_it(string[] args, string option)
    {
        // Were the value taken, a server would start: never on the default segment or data directory.
        var nowhere = Path.Combine(Path.GetTempPath(), $"sb-empty-{Guid.NewGuid():N}");
        if (args[0] == "--port")
            args = [.. args, "--segment", ServerNode.NewSegmentName(), .. option == "--data" ? Array.Empty<string>() : ["--data", nowhere]];
        await using var server = new ChildProcess(Binaries.Server, args, redirectInput: false);
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"{option} needs a value, not an empty one", server.StdErr);
        Assert.DoesNotContain("Unhandled exception", server.StdErr);
        Assert.False(Directory.Exists(nowhere));
    }
}
