using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>
/// Whose value the client-facing system runs with: the command line's (the address, Akka's debug level) over the
/// user's <c>--config</c> over the shipped defaults. Akka.Hosting's typed options win over hocon, so they must carry
/// nothing else, and must not replace the guarded provider.
/// </summary>
public sealed class NodeAkkaSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sbnodeakka-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string hocon)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, hocon);
        return path;
    }

    private ServerSettings UserFile(string hocon) => ServerSettings.Load(Write(hocon));

    private static AkkaConfigurationBuilder Build(ServerSettings settings, int port, LogSwitches switches) =>
        NodeWiring.Akka(new AkkaConfigurationBuilder(new ServiceCollection(), "switchboard"), settings.Hocon,
            new NodeAddress("127.0.0.1", "127.0.0.1", port, []), switches, tls: null);

    [Fact]
    public async Task The_users_file_overrides_akka_and_switchboard_defaults_and_the_command_line_sets_the_address()
    {
        var settings = UserFile("""
            akka.remote.dot-netty.tcp { maximum-frame-size = 64000b, hostname = "10.9.9.9", port = 1 }
            akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 12s
            akka.loglevel = WARNING
            switchboard.mutex-timeout = 7s
            """);
        var ab = Build(settings, port: 0, LogSwitches.Default);
        var system = ActorSystem.Create("switchboard", BootstrapSetup.Create().WithConfig(ab.Configuration.Value).WithActorRefProvider(ab.ActorRefProvider.Value));
        try
        {
            var config = system.Settings.Config;
            Assert.Equal(64000, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
            Assert.Equal(TimeSpan.FromSeconds(12), config.GetTimeSpan("akka.remote.watch-failure-detector.acceptable-heartbeat-pause"));
            Assert.Equal(Akka.Event.LogLevel.WarningLevel, system.EventStream.LogLevel);
            Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("switchboard.mutex-timeout"));
            Assert.Equal(TimeSpan.FromMilliseconds(500), config.GetTimeSpan("switchboard.maintain-interval")); // shipped
            var provider = ((ExtendedActorSystem)system).Provider;
            Assert.IsType<GuardedRemoteActorRefProvider>(provider);
            Assert.Equal("127.0.0.1", provider.DefaultAddress.Host);
            Assert.NotEqual(1, provider.DefaultAddress.Port);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void The_debug_switch_overrides_the_users_log_level_and_the_users_provider_is_kept()
    {
        var settings = UserFile("akka.loglevel = WARNING\nakka.actor.provider = remote");
        var ab = Build(settings, port: 4100, new LogSwitches(Debug: true, DebugAkka: false, Json: false));
        Assert.Equal("DEBUG", ab.Configuration.Value.GetString("akka.loglevel"), ignoreCase: true);
        Assert.Equal(4100, ab.Configuration.Value.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.IsType<ProviderSelection.Remote>(ab.ActorRefProvider.Value);
    }

    [Fact]
    public void Address_keys_in_a_users_file_are_named_at_start_since_the_command_line_decides_them()
    {
        var path = Write("akka.remote.dot-netty.tcp { port = 1, maximum-frame-size = 64000b }\nswitchboard.room-history = 3");
        Assert.Equal(["akka.remote.dot-netty.tcp.port"], NodeWiring.AddressKeysIn(path));
        Assert.Empty(NodeWiring.AddressKeysIn(Write("switchboard.room-history = 3")));
        Assert.Empty(NodeWiring.AddressKeysIn(null));
    }
}
