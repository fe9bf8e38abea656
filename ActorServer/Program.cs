using System.CommandLine;
using Switchboard.Server;

var host = new Option<string>("--host") { Description = "Address to bind and advertise", DefaultValueFactory = _ => "127.0.0.1" };
var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one)", DefaultValueFactory = _ => 4053 };
var segment = new Option<string>("--segment") { Description = "Shared-memory segment name under /dev/shm", DefaultValueFactory = _ => "switchboard" };
var config = new Option<string?>("--config") { Description = "Server hocon file (default: hocon/server.hocon next to the program)" };
var debug = new Option<bool>("--debug") { Description = "Log every request and reply" };

var root = new RootCommand("Switchboard server: named clients, operations and messages over Akka.Remote");
root.Options.Add(host);
root.Options.Add(port);
root.Options.Add(segment);
root.Options.Add(config);
root.Options.Add(debug);
root.SetAction((r, _) => ServerHost.RunAsync(new ServerOptions(
    r.GetValue(host)!, r.GetValue(port), r.GetValue(segment)!, r.GetValue(config), r.GetValue(debug))));

// The host handles SIGINT/SIGTERM (graceful shutdown, then the summary); the parser must not.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
