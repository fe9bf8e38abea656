using System.CommandLine;
using System.Text;
using NATS.Client.Core;

namespace Switchboard.Benchmarks.Nats;

/// <summary>
/// The NATS.Net counterpart of a scripted <c>ActorClient</c> for <c>client-cost</c>: a process that reads one request
/// per stdin line (<c>add A B</c>), sends it to the responder (<see cref="NatsResponder"/>) through nats-server, waits
/// for the reply and prints it as one line (<c>add: 200 SEQ SUM</c>, or <c>add: error ...</c>) before reading the
/// next: one request in flight, as the scripted client without <c>--pipeline</c>. End of input ends it.
/// </summary>
public static class NatsClient
{
    /// <summary><c>nats-client --url nats://127.0.0.1:PORT</c>, started by <c>client-cost</c>.</summary>
    public static Command Command()
    {
        var url = new Option<string>("--url") { Description = "The nats-server to send requests through", HelpName = "nats://127.0.0.1:PORT", Required = true };
        var command = new Command("nats-client", "The NATS.Net client of client-cost: one request per stdin line to the nats-responder, one reply line each, one at a time") { url };
        command.SetAction((r, ct) => RunAsync(r.GetValue(url)!, Console.In, Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(string url, TextReader input, TextWriter output, CancellationToken ct)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = url, Name = "switchboard-nats-client", RequestTimeout = TimeSpan.FromSeconds(10) });
        await nats.ConnectAsync();
        while (input.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            string answer;
            try
            {
                var reply = await nats.RequestAsync<byte[], byte[]>(NatsResponder.Subject, Encoding.ASCII.GetBytes(line), cancellationToken: ct);
                answer = reply.Data is { Length: > 3 } d && d.AsSpan().StartsWith("200"u8) ? Encoding.ASCII.GetString(d)
                    : "error " + (reply.Data is null ? "empty reply" : Encoding.ASCII.GetString(reply.Data));
            }
            catch (Exception e) when (e is NatsException or TimeoutException)
            {
                answer = "error " + e.Message;
            }
            output.WriteLine($"add: {answer}");
        }
        return 0;
    }
}
