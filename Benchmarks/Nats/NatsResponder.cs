using System.Buffers.Text;
using System.CommandLine;
using NATS.Client.Core;

namespace Switchboard.Benchmarks.Nats;

/// <summary>
/// The NATS side of the comparison: a process that answers each request on <see cref="Subject"/> the way a
/// session does the work (parse the operation and both arguments, add with overflow checked, stamp a
/// sequence number), over NATS.Net. Requests cross two hops (client → nats-server → responder and back).
/// </summary>
public static class NatsResponder
{
    public const string Subject = "switchboard.request";

    /// <summary><c>nats-responder --url nats://127.0.0.1:PORT</c>, started by <c>load --peer nats</c>.</summary>
    public static Command Command()
    {
        var url = new Option<string>("--url") { Description = "The nats-server to answer on", HelpName = "nats://127.0.0.1:PORT", Required = true };
        var command = new Command("nats-responder", "The NATS peer of the load run: answers 'add A B' requests; prints 'listening on URL', runs until SIGTERM") { url };
        command.SetAction((r, ct) => RunAsync(r.GetValue(url)!, ct));
        return command;
    }

    public static async Task<int> RunAsync(string url, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        await using var nats = new NatsConnection(new NatsOpts { Url = url, Name = "switchboard-nats-responder" });
        await nats.ConnectAsync();
        long seq = 0;
        var reply = new byte[64];
        var sub = await nats.SubscribeCoreAsync<byte[]>(Subject, cancellationToken: stop.Token);
        await nats.PingAsync(stop.Token); // the subscription is registered at the server before we say we listen
        Console.Out.WriteLine($"listening on {url}");
        Console.Out.Flush();
        try
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync(stop.Token))
            {
                var n = Answer(msg.Data, ++seq, reply);
                await msg.ReplyAsync(reply.AsMemory(0, n).ToArray(), cancellationToken: stop.Token);
            }
        }
        catch (OperationCanceledException) { }
        return 0;
    }

    /// <summary>"add A B" → "200 SEQ SUM"; anything else → "422 SEQ" (the same work a session does for <c>add</c>).</summary>
    public static int Answer(ReadOnlySpan<byte> request, long seq, Span<byte> reply)
    {
        var code = 422;
        long sum = 0;
        if (request.StartsWith("add "u8))
        {
            var rest = request[4..];
            var space = rest.IndexOf((byte)' ');
            if (space > 0 && Utf8Parser.TryParse(rest[..space], out long a, out var used) && used == space
                && Utf8Parser.TryParse(rest[(space + 1)..], out long b, out used) && used == rest.Length - space - 1)
            {
                try
                {
                    sum = checked(a + b);
                    code = 200;
                }
                catch (OverflowException) { }
            }
        }
        var written = 0;
        Utf8Formatter.TryFormat(code, reply, out var w);
        written += w;
        reply[written++] = (byte)' ';
        Utf8Formatter.TryFormat(seq, reply[written..], out w);
        written += w;
        if (code != 200) return written;
        reply[written++] = (byte)' ';
        Utf8Formatter.TryFormat(sum, reply[written..], out w);
        return written + w;
    }
}
