using Akka.Configuration;

namespace Switchboard.Messages;

/// <summary>Loads a side's hocon file with <c>shared.hocon</c> from the same folder as its fallback.</summary>
public static class SwitchboardConfig
{
    public static Config Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"configuration file not found: {path}", path);
        var shared = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "shared.hocon");
        var config = ConfigurationFactory.ParseString(File.ReadAllText(path));
        return File.Exists(shared) ? config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(shared))) : config;
    }

    /// <summary>The default location of a hocon file: next to the executable (the build copies them there).</summary>
    public static string DefaultPath(string file) => Path.Combine(AppContext.BaseDirectory, "hocon", file);

    public static Config Remoting(string host, int port) =>
        ConfigurationFactory.ParseString($"akka.remote.dot-netty.tcp {{ hostname = \"{host}\", port = {port} }}");
}
