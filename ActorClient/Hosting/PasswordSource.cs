using System.Net;
using System.Text;

namespace Switchboard.Client.Hosting;

/// <summary>
/// Where the client's password comes from: <c>--password-file F</c> (its first line; the file private to its owner,
/// checked like the token file) or <c>--password</c>, a prompt on the terminal that echoes nothing. Never an argument,
/// which every local user sees in the process list.
/// </summary>
public static class PasswordSource
{
    /// <summary>The password, null when none was asked for; <paramref name="problem"/> when one was and cannot be had.</summary>
    public static string? Read(string? file, bool prompt, string name, out string? problem)
    {
        problem = null;
        if (file is not null && prompt)
        {
            problem = "give --password-file F or --password, not both";
            return null;
        }
        var password = file is not null ? TokenSource.Read(file, "SWITCHBOARD_PASSWORD", "password", out problem)
            : prompt ? ReadHidden($"password for {name}:", out problem)
            : null;
        if (password is not null && Limits.PasswordError(password) is { } bad) problem = $"{bad}";
        return problem is null ? password : null;
    }

    /// <summary>Why the password may not be sent to <paramref name="servers"/>: without TLS, to a server off this host it
    /// would cross the network in the clear. Null when it may (TLS, loopback only, or the risk accepted).</summary>
    public static string? CleartextProblem(string? password, bool tls, bool allowCleartext, ServerList servers)
    {
        if (password is null || tls || allowCleartext) return null;
        foreach (var (host, port) in servers.All)
            if (!IPAddress.TryParse(SwitchboardConfig.CanonicalHost(host), out var ip) || !IPAddress.IsLoopback(ip))
                return $"without TLS the password would travel in the clear to {host}:{port}; connect with --tls-ca CA.pem " +
                    "(see docs/security.md), or pass --allow-cleartext-password to accept that risk";
        return null;
    }

    /// <summary>A line typed on the terminal without echo, after <paramref name="prompt"/> on stderr; null and why when none.</summary>
    public static string? ReadHidden(string prompt, out string? problem)
    {
        problem = null;
        if (Console.IsInputRedirected)
        {
            problem = "--password asks on a terminal, and input is redirected; use --password-file F";
            return null;
        }
        Console.Error.Write(prompt + " ");
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true); // nothing is echoed
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0) typed.Length--;
            }
            else if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key is ConsoleKey.C or ConsoleKey.D)
            {
                Console.Error.WriteLine();
                problem = "no password given";
                return null;
            }
            else if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        if (typed.Length > 0) return typed.ToString();
        problem = "no password given";
        return null;
    }
}
