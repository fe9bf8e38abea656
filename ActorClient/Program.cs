using System.CommandLine;

var name = new Argument<string>("name") { Description = "Your client name: 1-32 of A-Z a-z 0-9 _ . -" };
var server = new Option<string>("--server") { Description = "Server address HOST:PORT, or several HOST:PORT,HOST:PORT tried in turn", DefaultValueFactory = _ => "127.0.0.1:4053" };
var bind = new Option<string?>("--bind") { Description = "Local address to bind and advertise (default: this host's address on the route to the server)" };
var json = new Option<bool>("--json") { Description = "Scripted mode: one JSON object per output line" };
var config = new Option<string?>("--config") { Description = "Client hocon file (default: hocon/client.hocon next to the program)" };
var chat = new Option<bool>("--chat") { Description = "On a terminal: the chat view (messages, online list and rooms side by side)" };
var tokenFile = new Option<string?>("--token-file") { Description = "Present this file's token (first line, mode 0600) at registration; or set SWITCHBOARD_TOKEN" };
var passwordFile = new Option<string?>("--password-file") { HelpName = "FILE", Description = "Your name's password (first line, mode 0600): registers a reserved name; reserve, passwd and release use it" };
var passwordPrompt = new Option<bool>("--password") { Description = "Ask for your name's password on the terminal (nothing is echoed)" };
var allowCleartext = new Option<bool>("--allow-cleartext-password") { Description = "Send the password to a server off this host without TLS (it travels in the clear)" };
var pipeline = new Option<int>("--pipeline")
{
    Description = $"Scripted mode: keep up to N requests in flight, answers still printed in input order (1-{ScriptedRunner.MaxPipeline}; default 1: each answer before the next line is read)",
    HelpName = "N",
    DefaultValueFactory = _ => 1,
};

var root = new RootCommand("Switchboard client: an interactive menu on a terminal, one command per line otherwise")
{
    name, server, json, config, tokenFile, passwordFile, passwordPrompt, allowCleartext, bind, chat, pipeline,
};
var tls = ClientTls.AddOptions(root);
EmptyValues.Refuse(root);
root.SetAction(async r =>
{
    Switchboard.Messages.Transport.BufferLeakDetection.OffUnlessSet();
    if (ServerList.Parse(r.GetValue(server)) is not { } servers)
    {
        Console.Error.WriteLine(ClientHelp.BadServer(r.GetValue(server)));
        return ExitCodes.Usage;
    }
    if (servers.All.Select(s => ClientHelp.Unresolvable(s.Host)).FirstOrDefault(p => p is not null) is { } unknownHost)
    {
        Console.Error.WriteLine(unknownHost);
        return ExitCodes.Usage;
    }
    var (host, port) = servers.Current;
    if (r.GetValue(bind) is { } b && !System.Net.IPAddress.TryParse(SwitchboardConfig.CanonicalHost(b), out _))
    {
        Console.Error.WriteLine("error: --bind must be an IP address of this host, e.g. --bind 127.0.0.3");
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
    var password = PasswordSource.Read(r.GetValue(passwordFile), r.GetValue(passwordPrompt), r.GetValue(name)!, out var passwordProblem);
    if ((passwordProblem ?? PasswordSource.CleartextProblem(password, tls(r).Ca is not null, r.GetValue(allowCleartext), servers)) is { } refused)
    {
        Console.Error.WriteLine(refused);
        return ExitCodes.Usage;
    }
    if (r.GetValue(pipeline) is < 1 or > ScriptedRunner.MaxPipeline)
    {
        Console.Error.WriteLine($"error: --pipeline takes 1 to {ScriptedRunner.MaxPipeline}");
        return ExitCodes.Usage;
    }
    return await ClientHost.RunAsync(new ClientOptions(r.GetValue(name)!, host, port, r.GetValue(json), r.GetValue(config), token,
        servers, r.GetValue(bind) is { } b2 ? SwitchboardConfig.CanonicalHost(b2) : null, r.GetValue(chat)) { Pipeline = r.GetValue(pipeline), Credentials = new Credentials(password), PasswordPrompted = password is not null && r.GetValue(passwordPrompt) }, tls(r));
});

if (ClientHelp.Wanted(args))
{
    Console.Out.WriteLine(ClientHelp.Text);
    return ExitCodes.Ok;
}
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in ClientHelp.Explain(parsed.Errors, args)) Console.Error.WriteLine(e);
    // Within 80 columns, as --help is: one line of 214 was wrapped by the terminal mid-option.
    Console.Error.WriteLine("""
        usage: ActorClient NAME [--server HOST:PORT[,HOST:PORT...]] [--bind HOST]
                 [--json] [--pipeline N] [--chat] [--token-file F]
                 [--password-file F | --password] [--tls-ca CA.pem [--tls-cert F.pfx]]
                 (ActorClient --help for more)
        """);
    return ExitCodes.Usage;
}
StartupWarmup.Begin();
// The client handles SIGINT/SIGTERM itself: it unregisters, then exits.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
