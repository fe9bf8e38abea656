using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Benchmarks.Load;

/// <summary>
/// What one request at window 1 costs a server process that does nothing but answer a byte with a byte, on this
/// machine: the floor under any server's CPU per reply (the kernel's TCP on loopback, the wake-ups). Two servers, in
/// alternating runs, with the socket settings the Switchboard server uses (completions inline on one .NET socket
/// thread): <c>inline</c> answers on the socket thread itself; <c>hop</c> hands each request to a loop thread that
/// sleeps on a <see cref="ManualResetEventSlim"/> between them, as DotNetty's event loop does, and answers from there.
/// The difference is what the hand-off from .NET's socket thread to Akka.Remote's loop costs a Switchboard reply.
/// </summary>
public static class SocketFloor
{
    private static readonly byte[] One = [2];

    /// <summary><c>socket-floor [--clients 200] [--rate 2000] [--seconds 8] [--repeats 3]</c>.</summary>
    public static Command Command()
    {
        var clients = new Option<int>("--clients") { Description = "Connections, one request in flight on each", DefaultValueFactory = _ => 200 };
        var rate = new Option<int>("--rate") { Description = "Requests per second over all connections", DefaultValueFactory = _ => 2000 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per run (after 2 s of warm-up)", DefaultValueFactory = _ => 8 };
        var repeats = new Option<int>("--repeats") { Description = "Runs of each server, alternated", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this file as JSON", HelpName = "FILE" };
        var command = new Command("socket-floor", "A bare socket server's CPU per request at window 1: answered on .NET's socket thread, and handed to a loop thread first")
        {
            clients, rate, seconds, repeats, json,
        };
        foreach (var option in new[] { clients, rate, repeats })
            option.Validators.Add(r => { if (r.Tokens.Count > 0 && int.TryParse(r.Tokens[0].Value, out var v) && v < 1) r.AddError($"{option.Name} must be at least 1"); });
        seconds.Validators.Add(r => { if (r.Tokens.Count > 0 && double.TryParse(r.Tokens[0].Value, out var v) && v <= 0) r.AddError("--seconds must be more than 0"); });
        command.SetAction((r, token) => RunAsync(r.GetValue(clients), r.GetValue(rate), r.GetValue(seconds), r.GetValue(repeats), r.GetValue(json), token));
        return command;
    }

    /// <summary><c>socket-floor-server --mode inline|hop</c>: prints <c>listening on PORT</c>, serves until killed.</summary>
    public static Command ServerCommand()
    {
        var mode = new Option<string>("--mode") { Description = "inline or hop", Required = true };
        mode.AcceptOnlyFromAmong("inline", "hop");
        var command = new Command("socket-floor-server", "The server socket-floor starts (one of two kinds); prints 'listening on PORT'") { mode };
        command.SetAction(r => Serve(r.GetValue(mode) == "hop"));
        return command;
    }

    private static async Task<int> RunAsync(int clients, int rate, double seconds, int repeats, string? json, CancellationToken token)
    {
        Console.WriteLine($"socket-floor: {clients} connections, window 1, paced at {rate}/s, {seconds} s measured per run, {repeats} run(s) of each server");
        var results = new Dictionary<string, List<double>> { ["inline"] = [], ["hop"] = [] };
        for (var i = 0; i < repeats && !token.IsCancellationRequested; i++)
            foreach (var mode in results.Keys)
            {
                var us = await MeasureAsync(mode, clients, rate, seconds, token);
                results[mode].Add(us);
                Console.WriteLine($"  {mode,-6} run {i + 1}: {us:F1} µs of server CPU per request");
            }
        Console.WriteLine();
        Console.WriteLine("| server | CPU µs per request, median | each run |");
        Console.WriteLine("|---|---:|---|");
        foreach (var (mode, runs) in results)
            Console.WriteLine($"| {mode} | {Median(runs):F1} | {string.Join(", ", runs.Select(r => r.ToString("F1")))} |");
        var handOff = Median(results["hop"]) - Median(results["inline"]);
        Console.WriteLine($"The hand-off to a loop thread: {handOff:F1} µs per request (medians).");
        if (json is not null)
            await File.WriteAllTextAsync(json, System.Text.Json.JsonSerializer.Serialize(new
            {
                clients, rate, seconds,
                results = results.Select(r => new { server = r.Key, medianUs = Median(r.Value), runsUs = r.Value }),
                handOffUs = handOff,
            }), CancellationToken.None);
        return 0;
    }

    private static double Median(List<double> runs)
    {
        var sorted = runs.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task<double> MeasureAsync(string mode, int clients, int rate, double seconds, CancellationToken token)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(SocketFloor).Assembly.Location, "socket-floor-server", "--mode", mode])
        {
            RedirectStandardOutput = true,
        };
        // As the Switchboard server sets them (SocketCompletions).
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = "1";
        using var server = Process.Start(start) ?? throw new InvalidOperationException("could not start the socket-floor server");
        await Console.Error.WriteLineAsync($"socket-floor: {mode} server pid {server.Id}");
        var sockets = new List<Socket>();
        try
        {
            var line = await server.StandardOutput.ReadLineAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(30), token);
            var port = int.Parse(line?.Split(' ').Last() ?? throw new InvalidOperationException("the socket-floor server said nothing"));
            for (var i = 0; i < clients; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), token);
                sockets.Add(socket);
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            var pacer = new SemaphoreSlim(0);
            var loops = sockets.Select(s => RequestLoop(s, pacer, stop.Token)).ToList();
            var clock = Stopwatch.StartNew();
            double? from = null, cpuFrom = null;
            long sent = 0, measured = 0;
            while (clock.Elapsed.TotalSeconds < 2 + seconds)
            {
                if (from is null && clock.Elapsed.TotalSeconds >= 2)
                {
                    from = clock.Elapsed.TotalSeconds;
                    cpuFrom = ProcStats.CpuTime(server.Id).TotalMicroseconds;
                    measured = sent;
                }
                for (var due = (long)(clock.Elapsed.TotalSeconds * rate); sent < due; sent++) pacer.Release();
                await Task.Delay(1, token);
            }
            var cpu = ProcStats.CpuTime(server.Id).TotalMicroseconds - cpuFrom!.Value;
            var requests = sent - measured;
            await stop.CancelAsync();
            pacer.Release(clients);
            return cpu / requests;
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
            if (!server.HasExited) server.Kill();
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task RequestLoop(Socket socket, SemaphoreSlim pacer, CancellationToken stop)
    {
        var answer = new byte[8];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await pacer.WaitAsync(stop);
                await socket.SendAsync(One, SocketFlags.None, stop);
                if (await socket.ReceiveAsync(answer, SocketFlags.None, stop) == 0) return;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private static int Serve(bool hop)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1024);
        var due = new ConcurrentQueue<Socket>();
        var wake = new ManualResetEventSlim(false, 1);
        if (hop)
            new Thread(() =>
            {
                while (true)
                {
                    wake.Wait();
                    wake.Reset();
                    while (due.TryDequeue(out var s)) SendQuietly(s);
                }
            }) { IsBackground = true, Name = "loop" }.Start();
        Console.WriteLine($"listening on {((IPEndPoint)listener.LocalEndPoint!).Port}");
        while (true)
        {
            var socket = listener.Accept();
            socket.NoDelay = true;
            _ = Answer(socket, hop, due, wake);
        }
    }

    // A client that went away (the run's end) is no error.
    private static void SendQuietly(Socket socket)
    {
        try
        {
            socket.Send(One);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task Answer(Socket socket, bool hop, ConcurrentQueue<Socket> due, ManualResetEventSlim wake)
    {
        using var _ = socket;
        var request = new byte[64];
        try
        {
            while (await socket.ReceiveAsync(request, SocketFlags.None) > 0)
            {
                if (!hop) SendQuietly(socket);
                else
                {
                    due.Enqueue(socket);
                    wake.Set();
                }
            }
        }
        catch (SocketException)
        {
        }
    }
}
