using System.Threading.Channels;

namespace Switchboard.Client.Scripted;

/// <summary>
/// Scripted mode (DESIGN §4): one command per input line, exactly one answer line each, in order, before
/// the next line is read; pushed events come as their own lines between answers. End of input
/// unregisters and exits 0. With <c>--pipeline N</c> (opt-in, N &gt; 1) up to N requests are in flight while
/// the next lines are read, and the answers are still printed one line each, in input order. A command the server
/// refused for the client's rate limit is sent again when the server said (<see cref="RateLimitRetry"/>), before its
/// answer is printed and before any later line is sent.
/// </summary>
public sealed class ScriptedRunner(Connection connection, Output output, TextReader input, RateLimitRetry retry, int pipeline = 1)
{
    public const int MaxPipeline = 256;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        // Console reads block (even the async ones) and cannot be cancelled: read on the pool, and stop
        // waiting for the line when interrupted.
        var interrupted = Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => (string?)null, TaskScheduler.Default);
        if (pipeline > 1) return await RunPipelinedAsync(interrupted, ct);
        while (await await Task.WhenAny(Task.Run(input.ReadLine), interrupted) is { } line)
        {
            switch (CommandParser.Parse(line))
            {
                case null:
                    continue;
                case InvalidCommand c:
                    output.Local(c.Name, Codes.Invalid, c.Error);
                    break;
                case SleepCommand s:
                    await Task.WhenAny(Task.Delay(s.Milliseconds), interrupted);
                    output.Local("sleep", Codes.Ok, null);
                    break;
                case WireCommand c:
                    output.Reply(c.Name, await retry.SendAsync(() => connection.SendAsync(c.Make), ct));
                    break;
                case UnregisterCommand:
                    return await FinishAsync("unregister", echo: true);
                case ExitCommand:
                    return await FinishAsync("exit", echo: true);
            }
        }
        return await FinishAsync("exit", echo: false);
    }

    // Answers are printed by one printer, in the order their lines were read, each as soon as it and all
    // before it are in: a script that waits for an answer before writing its next line is never stuck.
    // Commands that are not requests (sleep, unregister, exit) wait until everything before them is printed.
    // A refused command is sent again by the printer, in input order, one at a time; meanwhile no new line is sent
    // (retry.Clear): lines already in flight behind it were refused too, unless they reached the server after the time
    // its refusal named.
    private async Task<int> RunPipelinedAsync(Task<string?> interrupted, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(pipeline);
        var answers = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var printer = Task.Run(async () =>
        {
            await foreach (var print in answers.Reader.ReadAllAsync()) await print();
        });
        async Task DrainAsync()
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            answers.Writer.TryWrite(() =>
            {
                done.SetResult();
                return Task.CompletedTask;
            });
            await done.Task;
        }
        try
        {
            while (await await Task.WhenAny(Task.Run(input.ReadLine), interrupted) is { } line)
            {
                switch (CommandParser.Parse(line))
                {
                    case null:
                        continue;
                    case InvalidCommand c:
                        answers.Writer.TryWrite(() =>
                        {
                            output.Local(c.Name, Codes.Invalid, c.Error);
                            return Task.CompletedTask;
                        });
                        break;
                    case WireCommand c:
                        if (await Task.WhenAny(slots.WaitAsync(), interrupted) == interrupted) break;
                        if (await Task.WhenAny(retry.Clear, interrupted) == interrupted) break;
                        Task<IReply> Send() => connection.SendAsync(c.Make);
                        // Noted as it arrives, not when the printer reaches it: the next lines wait from then on.
                        var first = NoteAsync(Send());
                        answers.Writer.TryWrite(async () =>
                        {
                            output.Reply(c.Name, await retry.ResolveAsync(await first, Send, ct));
                            slots.Release();
                        });
                        break;
                    case SleepCommand s:
                        await DrainAsync();
                        await Task.WhenAny(Task.Delay(s.Milliseconds), interrupted);
                        output.Local("sleep", Codes.Ok, null);
                        break;
                    case UnregisterCommand:
                        await DrainAsync();
                        return await FinishAsync("unregister", echo: true);
                    case ExitCommand:
                        await DrainAsync();
                        return await FinishAsync("exit", echo: true);
                }
            }
            await DrainAsync();
            return await FinishAsync("exit", echo: false);
        }
        finally
        {
            answers.Writer.TryComplete();
            await printer;
        }
    }

    private async Task<IReply> NoteAsync(Task<IReply> first) => retry.Note(await first);

    // Leaving frees the name either way: "exit" and end of input unregister too.
    private async Task<int> FinishAsync(string cmd, bool echo)
    {
        if (connection.Refusal is { } refused)
        {
            if (echo) output.Local(cmd, Codes.Forbidden, $"the name was refused: {refused}");
            return ExitCodes.Rejected;
        }
        if (connection.IsLost)
        {
            if (echo) output.Local(cmd, Codes.Unreachable, "server unreachable");
            return ExitCodes.Unreachable;
        }
        var reply = await connection.UnregisterAsync();
        if (echo)
        {
            if (cmd == "unregister") output.Reply(cmd, reply);
            else output.Local(cmd, reply.Code, reply.Code == Codes.Ok ? null : reply.Error);
        }
        return reply.Code == Codes.Ok ? ExitCodes.Ok : ExitCodes.Unreachable;
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 2;
    public const int Rejected = 3;
    public const int Unreachable = 4;
}
