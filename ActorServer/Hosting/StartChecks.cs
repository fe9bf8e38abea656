namespace Switchboard.Server.Hosting;

/// <summary>What a node checks before anything starts: its options, and the address it will own.</summary>
public static class StartChecks
{
    /// <summary>A usage error in the options, found before anything starts.</summary>
    public static string? Problem(ServerOptions o)
    {
        if (!HostPort.IsPort(o.Port, min: 0)) return $"--port must be 0..{HostPort.MaxPort} (0 picks a free port), not {o.Port}";
        if (!SegmentMapping.IsValidSegmentName(o.Segment)) return $"--segment '{o.Segment}' is not a valid name (letters, digits, '.', '_', '-'; no '/')";
        var config = o.ConfigPath ?? SwitchboardConfig.DefaultPath("server.hocon");
        return File.Exists(config) ? null : $"configuration file not found: {config}";
    }

    /// <summary>
    /// Why <paramref name="option"/>'s <paramref name="host"/> (an IP literal, or a name that resolved to none) cannot be
    /// bound here, or null. Asked by binding it: the port probe alone took an address of another machine for a port in
    /// use, as a connection to it can be answered from elsewhere.
    /// </summary>
    public static string? NotBindable(string host, string option)
    {
        if (!System.Net.IPAddress.TryParse(host, out var ip)) return null; // said by the caller, with its own words
        using var socket = new System.Net.Sockets.Socket(ip.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            socket.Bind(new System.Net.IPEndPoint(ip, 0));
            return null;
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressNotAvailable)
        {
            return $"{option} {host} is not an address of this machine; give one of its own (127.0.0.1, or an interface's address)";
        }
        catch (System.Net.Sockets.SocketException e)
        {
            return $"{option} {host} cannot be bound here: {e.Message}";
        }
    }

    /// <summary>A port free right now, for --port 0 (the node address must be known before remoting starts).</summary>
    public static int FreePort(string host)
    {
        // The host is already resolved to an IP literal (CanonicalHost); an unresolvable one probes loopback.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.TryParse(host, out var ip) ? ip : System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<bool> IsListeningAsync(string host, int port)
    {
        using var probe = new System.Net.Sockets.TcpClient();
        try
        {
            await probe.ConnectAsync(host, port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }
}
