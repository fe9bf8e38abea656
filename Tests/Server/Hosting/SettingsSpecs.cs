using Akka.Configuration;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>Every setting has one default, in the shipped hocon; a user's file changes only what it names.</summary>
public sealed class SettingsSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sbsettings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string hocon)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.hocon");
        System.IO.File.WriteAllText(path, hocon);
        return path;
    }

    [Fact]
    public void The_shipped_hocon_holds_every_server_and_client_setting()
    {
        var server = ServerSettings.Load(null);
        Assert.Equal(TimeSpan.FromMilliseconds(500), server.State.MaintainInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), server.State.MutexTimeout);
        Assert.Equal((200d, 400d, 256), (server.Sessions.RatePerSecond, server.Sessions.RateBurst, server.Sessions.MaxUnacked));
        Assert.Equal(50, server.Rooms.History);
        var client = ClientSettings.Create(SwitchboardConfig.LoadSide(null, "client.hocon"));
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15)), (client.RegisterTimeout, client.RequestTimeout));
        Assert.Equal((10, TimeSpan.FromSeconds(10)), (client.RateLimitRetries, client.RateLimitWait));
    }

    // A kept DM waits for the store (history.timeout) and then for the recipient's node (delivery-timeout) before its
    // session answers 503 or 404; a client that gave up first would say "no reply from the server" instead.
    [Fact]
    public void The_client_waits_for_a_reply_longer_than_the_server_takes_to_answer_a_kept_direct_message_at_worst()
    {
        var server = ServerSettings.Load(null);
        var history = HistorySettings.Create(server.Hocon);
        var client = ClientSettings.Create(SwitchboardConfig.LoadSide(null, "client.hocon"));
        Assert.True(client.RequestTimeout >= server.Sessions.DeliveryTimeout + history.Timeout + TimeSpan.FromSeconds(2),
            $"client request-timeout {client.RequestTimeout} against the server's {server.Sessions.DeliveryTimeout} + {history.Timeout}");
    }

    [Fact]
    public void Server_and_client_run_one_event_loop_each_way_and_the_servers_remoting_and_sessions_run_on_the_loop()
    {
        var server = ServerSettings.Load(null).Hocon;
        var client = SwitchboardConfig.LoadSide(null, "client.hocon");
        foreach (var side in new[] { server, client })
            foreach (var pool in new[] { "client-socket-worker-pool", "server-socket-worker-pool" })
                Assert.Equal((1, 1), (side.GetInt($"akka.remote.dot-netty.tcp.{pool}.pool-size-min"), side.GetInt($"akka.remote.dot-netty.tcp.{pool}.pool-size-max")));
        Assert.Equal(SessionSettings.Dispatcher, server.GetString("akka.remote.use-dispatcher"));
        Assert.Equal(typeof(EventLoopExecutorConfigurator), Type.GetType(server.GetString("session-dispatcher.executor")));
    }

    [Fact]
    public void A_users_file_needs_only_the_settings_it_changes()
    {
        var settings = ServerSettings.Load(File("switchboard.room-history = 7\nswitchboard.rate-limit.per-second = 0"));
        Assert.Equal(7, settings.Rooms.History);
        Assert.Equal(0, settings.Sessions.RatePerSecond);
        Assert.Equal(400, settings.Sessions.RateBurst); // from the shipped file
        Assert.Equal("PinnedDispatcher", settings.Hocon.GetString("state-dispatcher.type"));
    }

    [Fact]
    public void A_missing_setting_is_an_error_that_names_it_not_a_silent_zero()
    {
        var config = ConfigurationFactory.ParseString("switchboard.mutex-timeout = 2s");
        var error = Assert.Throws<ConfigurationException>(() => StateSettings.Create(config));
        Assert.Contains("switchboard.maintain-interval", error.Message);
    }

    [Theory]
    [InlineData("switchboard.mutex-timeout = banana", "switchboard.mutex-timeout")]
    [InlineData("switchboard.room-history = lots", "switchboard.room-history")]
    [InlineData("switchboard.rate-limit.burst = \"\"", "switchboard.rate-limit.burst")]
    [InlineData("switchboard.hosts.ipv4-prefix = 4", "switchboard.hosts")]
    [InlineData("switchboard.hosts.loopback-is-one-host = maybe", "switchboard.hosts.loopback-is-one-host")]
    public void A_malformed_setting_is_an_error_that_names_it(string hocon, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => ServerSettings.Load(File(hocon)));
        Assert.Contains(key, error.Message);
    }

    // A tester's finding: max-messages = -3 was answered with the rules of all fourteen history settings.
    [Theory]
    [InlineData("switchboard.history.max-messages = -3", "switchboard.history.max-messages must be at least 1 (got -3)")]
    [InlineData("switchboard.history { max-query = 500, max-age = 0s }",
        "switchboard.history.max-age must be positive (got 0ms); switchboard.history.max-query must be 1-100 (got 500)")]
    public void A_history_setting_out_of_range_is_an_error_naming_it_its_rule_and_the_value_given(string hocon, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => HistorySettings.Create(ServerSettings.Load(File(hocon)).Hocon));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void An_account_setting_out_of_range_is_an_error_naming_it_its_rule_and_the_value_given()
    {
        var error = Assert.Throws<ConfigurationException>(() => AccountSettings.Create(ServerSettings.Load(File("switchboard.accounts.salt-bytes = 8")).Hocon));
        Assert.Equal("switchboard.accounts.salt-bytes must be at least 16 (got 8)", error.Message);
    }

    // Akka's parser would take either without a word, and the setting meant would keep its default.
    [Theory]
    [InlineData("switchboard { rate-limt { per-second = 0 } }", "switchboard.rate-limt is not a setting; did you mean switchboard.rate-limit?")]
    [InlineData("switchboard.history.max-mesages = 10", "switchboard.history.max-mesages is not a setting; did you mean switchboard.history.max-messages?")]
    [InlineData("switchboard.per-second = 10", "switchboard.per-second is not a setting; did you mean switchboard.rate-limit.per-second?")]
    [InlineData("switchboard-client.request-timout = 1s", "switchboard-client.request-timout is not a setting; did you mean switchboard-client.request-timeout?")]
    [InlineData("switchboard.lots-of-fun = 1", "switchboard.lots-of-fun is not a setting (the shipped hocon/*.hocon files list every setting)")]
    public void A_key_under_switchboard_that_the_shipped_hocon_lacks_is_an_error_naming_it_and_the_nearest_setting(string hocon, string message)
    {
        var path = File(hocon);
        var error = Assert.Throws<ConfigurationException>(() => ServerSettings.Load(path));
        Assert.Equal($"{path}: {message}", error.Message);
    }

    [Theory]
    [InlineData("switchboard { rate-limit {", "line 1: '{' is never closed")]
    [InlineData("switchboard.room-history = 7\n}\nswitchboard.mutex-timeout = 1s", "line 2: '}' closes nothing")]
    [InlineData("switchboard.inbound {\n  open-paths = [\"/a\"\n}", "line 3: '}' where ']' was due for the '[' of line 2")]
    [InlineData("switchboard.data.file = \"x.db\nswitchboard.room-history = 7", "line 1: a quoted string is never closed")]
    public void A_file_that_does_not_parse_is_an_error_naming_the_line(string hocon, string message)
    {
        var path = File(hocon);
        var error = Assert.Throws<ConfigurationException>(() => ServerSettings.Load(path));
        Assert.Equal($"{path} {message}", error.Message);
    }

    [Fact]
    public void Brackets_in_strings_and_comments_and_settings_of_the_other_side_or_mode_are_no_error()
    {
        var settings = ServerSettings.Load(File(""""
            # a comment's { is not counted
            switchboard.data.file = """a{[b
            .db""" // nor a string's, nor this ]
            switchboard.history.max-age = "3d}" # {
            switchboard.cluster.shards = 10
            switchboard-client.request-timeout = 20s
            akka.loglevel = WARNING
            switchboard.rooms { per-client = 3 }
            """"));
        Assert.Equal("a{[b\n.db", settings.Hocon.GetString("switchboard.data.file"));
        Assert.Equal("3d}", settings.Hocon.GetString("switchboard.history.max-age"));
        Assert.Equal(3, settings.Rooms.PerClient);
    }
}
