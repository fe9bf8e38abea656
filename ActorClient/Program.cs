using System.CommandLine;
using Switchboard.Client;
using Switchboard.Messages;

var name = new Argument<string>("name") { Description = "Your client name: 1-32 of A-Z a-z 0-9 _ . -" };
var server = new Option<string>("--server") { Description = "Server address HOST:PORT", DefaultValueFactory = _ => "127.0.0.1:4053" };
var json = new Option<bool>("--json") { Description = "Scripted mode: one JSON object per output line" };
var config = new Option<string?>("--config") { Description = "Client hocon file (default: hocon/client.hocon next to the program)" };
var tokenFile = new Option<string?>("--token-file") { Description = "Present this file's token (first line) at registration; or set SWITCHBOARD_TOKEN" };
var pipeline = new Option<int>("--pipeline")
{
    Description = $"Scripted mode: keep up to N requests in flight, answers still printed in input order (1-{ScriptedRunner.MaxPipeline}; default 1: each answer before the next line is read)",
    HelpName = "N",
    DefaultValueFactory = _ => 1,
};

var root = new RootCommand("Switchboard client: an interactive menu on a terminal, one command per line otherwise")
{
    name, server, json, config, tokenFile, pipeline,
};
var tls = ClientTls.AddOptions(root);
root.SetAction(async r =>
{
    if (!TryServer(r.GetValue(server), out var host, out var port))
    {
        Console.Error.WriteLine("--server must be HOST:PORT, e.g. 127.0.0.1:4053");
        return ExitCodes.Usage;
    }
    var configPath = r.GetValue(config);
    if (configPath is not null && !File.Exists(configPath))
    {
        Console.Error.WriteLine($"configuration file not found: {configPath}");
        return ExitCodes.Usage;
    }
    var token = TokenSource.Read(r.GetValue(tokenFile), out var tokenProblem);
    if (tokenProblem is not null)
    {
        Console.Error.WriteLine(tokenProblem);
        return ExitCodes.Usage;
    }
    if (r.GetValue(pipeline) is < 1 or > ScriptedRunner.MaxPipeline)
    {
        Console.Error.WriteLine($"--pipeline takes 1 to {ScriptedRunner.MaxPipeline}");
        return ExitCodes.Usage;
    }
    return await ClientHost.RunAsync(new ClientOptions(r.GetValue(name)!, host, port, r.GetValue(json), r.GetValue(config), token) { Pipeline = r.GetValue(pipeline) }, tls(r));
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: ActorClient <name> [--server HOST:PORT] [--json] [--pipeline N] [--token-file F] [--tls-ca CA.pem [--tls-cert F.pfx]]   (--help for more)");
    return ExitCodes.Usage;
}
// The client handles SIGINT/SIGTERM itself: it unregisters, then exits.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static bool TryServer(string? text, out string host, out int port)
{
    host = "";
    port = 0;
    var colon = text?.LastIndexOf(':') ?? -1;
    if (text is null || colon <= 0) return false;
    host = SwitchboardConfig.CanonicalHost(text[..colon].Trim('[', ']'));
    // "0.0.0.0" (anywhere) is where a server binds, not an address to send to: it means this host.
    if (host == System.Net.IPAddress.Any.ToString()) host = System.Net.IPAddress.Loopback.ToString();
    return int.TryParse(text[(colon + 1)..], out port) && port is > 0 and <= 65535;
}
