using System.Threading.Channels;

namespace Switchboard.Client.Scripted;

/// <summary>
/// Scripted mode (DESIGN §4): one command per input line, exactly one answer line each, in order, before
/// the next line is read; pushed events come as their own lines between answers. End of input
/// unregisters and exits 0. With <c>--pipeline N</c> (opt-in, N &gt; 1) up to N requests are in flight while
/// the next lines are read, and the answers are still printed one line each, in input order.
/// </summary>
public sealed class ScriptedRunner(Connection connection, Output output, TextReader input, int pipeline = 1)
{
    public const int MaxPipeline = 256;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        // Console reads block (even the async ones) and cannot be cancelled: read on the pool, and stop
        // waiting for the line when interrupted.
        var interrupted = Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => (string?)null, TaskScheduler.Default);
        if (pipeline > 1) return await RunPipelinedAsync(interrupted);
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
                    output.Reply(c.Name, await connection.SendAsync(c.Make));
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
    private async Task<int> RunPipelinedAsync(Task<string?> interrupted)
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
                        var reply = connection.SendAsync(c.Make);
                        answers.Writer.TryWrite(async () =>
                        {
                            output.Reply(c.Name, await reply);
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

    // Leaving frees the name either way: "exit" and end of input unregister too.
    private async Task<int> FinishAsync(string cmd, bool echo)
    {
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
