using Akka.Configuration;

namespace Switchboard.Messages.Startup;

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

    /// <summary>
    /// A side's settings: <paramref name="userPath"/> when given, over the shipped <paramref name="file"/> (next to the
    /// program), so a user's file needs only what it changes and every default exists once, in the shipped file.
    /// </summary>
    public static Config LoadSide(string? userPath, string file)
    {
        var defaults = Load(DefaultPath(file));
        if (userPath is null || Path.GetFullPath(userPath) == Path.GetFullPath(DefaultPath(file))) return defaults;
        // Checked before Akka reads it: Akka's parser takes a stray brace without a word, and runs out of memory on
        // some ('a { b = [1 }': 24 GB in a minute).
        if (File.Exists(userPath)) UserConfigCheck.Check(userPath, File.ReadAllText(userPath), Shipped());
        return Load(userPath).WithFallback(defaults);
    }

    // Every shipped setting, of either side and mode: one user file may serve a client and a server, and both modes.
    private static Config Shipped() =>
        Directory.GetFiles(Path.GetDirectoryName(DefaultPath("shared.hocon"))!, "*.hocon").Order(StringComparer.Ordinal)
            .Aggregate(Config.Empty, (all, f) => all.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(f))));

    /// <summary>The default location of a hocon file: next to the executable (the build copies them there).</summary>
    public static string DefaultPath(string file) => Path.Combine(AppContext.BaseDirectory, "hocon", file);

    /// <summary>
    /// The one spelling of a host both sides use in actor addresses: an IP literal (IPv4 first). Akka.Remote
    /// drops messages addressed to "localhost" at a node that calls itself 127.0.0.1, silently; resolving both
    /// sides to the literal makes any spelling of the same host work.
    /// </summary>
    public static string CanonicalHost(string host)
    {
        if (System.Net.IPAddress.TryParse(host, out var ip)) return ip.ToString();
        try
        {
            var addresses = System.Net.Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen?.ToString() ?? host;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return host; // unknown here: the connection attempt will say so
        }
    }

    public static Config Remoting(string host, int port) =>
        ConfigurationFactory.ParseString($"akka.remote.dot-netty.tcp {{ hostname = \"{host}\", port = {port} }}");
}
