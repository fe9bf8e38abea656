using System.CommandLine;

var host = new Option<string>("--host") { HelpName = "HOST", Description = "Address to bind and advertise", DefaultValueFactory = _ => "127.0.0.1" };
var port = new Option<int>("--port") { HelpName = "PORT", Description = "TCP port (0 picks a free one)", DefaultValueFactory = _ => 4053 };
ServerHelp.PortOption(port, 0);
var segment = new Option<string>("--segment") { HelpName = "NAME", Description = "Shared-memory segment name under /dev/shm", DefaultValueFactory = _ => "switchboard" };
var config = new Option<string?>("--config") { HelpName = "FILE", Description = "Server hocon file (default: hocon/server.hocon next to the program)" };
var debug = new Option<bool>("--debug") { Description = "Log every request and reply" };
var clusterMode = new Option<bool>("--cluster") { Description = "Cluster mode (Akka.Cluster): no segment; names, rooms and messages across hosts" };
var seeds = new Option<string?>("--seeds") { HelpName = "HOST:PORT,...", Description = "Cluster mode: seed nodes HOST:CLUSTER-PORT[,HOST:CLUSTER-PORT...]" };
var clusterSecret = new Option<string?>("--cluster-secret-file") { HelpName = "FILE", Description = "Cluster mode: the secret every node shares (first line, mode 0600; or SWITCHBOARD_CLUSTER_SECRET); admits nodes to the node port and signs their messages" };
var clusterPort = new Option<int?>("--cluster-port") { HelpName = "PORT", Description = "Cluster mode: the port other nodes reach this one on (mutual TLS, cluster secret only); default --port + 1" };
var publicHost = new Option<string?>("--public-host") { HelpName = "HOST", Description = "Cluster mode: the address others use for this node (with --host 0.0.0.0)" };
var debugAkka = new Option<bool>("--debug-akka") { Description = "Also log Akka's own debug output (remoting, shutdown phases)" };
var monitor = new Option<string?>("--monitor") { HelpName = "HOST:PORT", Description = "Serve /healthz /metrics /status /clients over HTTP at HOST:PORT (e.g. 127.0.0.1:8222); off by default" };
var logFormat = new Option<string>("--log-format") { Description = "Log lines as text or json (one JSON object per line)", DefaultValueFactory = _ => "text" };
logFormat.AcceptOnlyFromAmong("text", "json");
var data = new Option<string?>("--data")
{
    HelpName = "DIR",
    Description = $"Single-host mode: the data directory (mode 0700; its SQLite file 0600 keeps the accounts), made on first start; default {DataStore.DefaultDirectory()}. Cluster mode keeps its data in PostgreSQL instead (--db)",
};
var db = new Option<string?>("--db")
{
    HelpName = "CONNECTION|FILE",
    Description = "Cluster mode: the PostgreSQL database every node shares, as an Npgsql connection string (Host=H;Port=5432;Database=D;Username=U) " +
        "or a file of mode 0600 whose first line is one (keeps the password off the command line)",
};
var tokenFile = new Option<string?>("--token-file") { HelpName = "FILE", Description = "Require this file's token (first line, mode 0600) at registration; or set SWITCHBOARD_TOKEN" };

var root = new RootCommand("Switchboard server: named clients, operations and messages over Akka.Remote");
root.Options.Add(host);
root.Options.Add(port);
root.Options.Add(segment);
root.Options.Add(config);
root.Options.Add(debug);
root.Options.Add(debugAkka);
root.Options.Add(logFormat);
root.Options.Add(monitor);
root.Options.Add(tokenFile);
root.Options.Add(data);
root.Options.Add(clusterMode);
root.Options.Add(seeds);
root.Options.Add(clusterPort);
root.Options.Add(publicHost);
root.Options.Add(clusterSecret);
root.Options.Add(db);
var tls = ServerTls.AddOptions(root);
var inspectSegment = new Option<string>("--segment") { HelpName = "NAME", Description = "Segment to read", DefaultValueFactory = _ => "switchboard" };
var inspectJson = new Option<bool>("--json") { Description = "One JSON object (one per refresh with --watch)" };
var inspectWatch = new Option<bool>("--watch") { Description = "Refresh a live table until Ctrl-C" };
var inspectMonitor = new Option<string?>("--monitor") { HelpName = "HOST:PORT", Description = "Read a node's monitoring endpoint instead of a segment (cluster mode: the members and totals)" };
var inspectUrl = new Option<string?>("--url") { HelpName = "URL", Description = "As --monitor, given as a URL (http://HOST:PORT/)" };
var inspect = new Command("inspect", "Show the nodes, online clients and totals of a segment, or of a node's --monitor endpoint, from another process")
{
    inspectSegment, inspectJson, inspectWatch, inspectMonitor, inspectUrl,
};
inspect.SetAction(r =>
{
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    if (r.GetValue(inspectMonitor) is null && r.GetValue(inspectUrl) is null)
        return InspectCommand.Run(r.GetValue(inspectSegment)!, r.GetValue(inspectJson), r.GetValue(inspectWatch), stop.Token);
    if (MonitorInspect.BaseUri(r.GetValue(inspectMonitor), r.GetValue(inspectUrl), out var problem) is not { } at)
    {
        Console.Error.WriteLine($"inspect: {problem}");
        return 2;
    }
    return MonitorInspect.Run(at, r.GetValue(inspectJson), r.GetValue(inspectWatch), stop.Token);
});
root.Subcommands.Add(inspect);
root.Subcommands.Add(DataBackup.BackupCommand());
root.Subcommands.Add(DataBackup.RestoreCommand());
root.Subcommands.Add(AccountsCommand.Create());
ServerHelp.Extend(root);
EmptyValues.Refuse(root);

root.Validators.Add(r =>
{
    if (r.GetValue(clusterMode) && r.GetValue(data) is not null)
        r.AddError("--data is for single-host mode; a cluster node keeps its data in PostgreSQL: --db CONNECTION|FILE (see docs/cluster.md)");
    if (!r.GetValue(clusterMode) && r.GetValue(db) is not null)
        r.AddError("--db is for cluster mode; a single-host server keeps its data in --data DIR");
});
root.SetAction((r, _) =>
{
    var options = new ServerOptions(r.GetValue(host)!, r.GetValue(port), r.GetValue(segment)!, r.GetValue(config), r.GetValue(debug),
        r.GetValue(tokenFile), r.GetValue(monitor), r.GetValue(debugAkka), r.GetValue(logFormat) == "json", r.GetValue(data));
    var cluster = r.GetValue(clusterMode);
    if (!cluster) SocketCompletions.InlineUnlessSet();
    Switchboard.Messages.Transport.BufferLeakDetection.OffUnlessSet();
    INodeMode mode = cluster
        ? new ClusterMode(options, new ClusterOptions((r.GetValue(seeds) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            r.GetValue(publicHost), r.GetValue(clusterSecret), r.GetValue(clusterPort), r.GetValue(db)))
        : new SegmentMode(options);
    return NodeHost.RunAsync(options, tls(r), mode);
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
    if (ServerHelp.ClusterStoreInstead(parsed.CommandResult.Command, parsed.UnmatchedTokens) is { } instead) Console.Error.WriteLine(instead);
    Console.Error.WriteLine(ServerHelp.UsageFor(parsed.CommandResult.Command));
    return 2;
}
// The host handles SIGINT/SIGTERM (graceful shutdown, then the summary); the parser must not.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
