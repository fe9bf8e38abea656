using Switchboard.Messages;

namespace Switchboard.Client;

/// <summary>
/// Scripted mode (DESIGN §4): one command per input line, exactly one answer line each, in order, before
/// the next line is read; pushed events come as their own lines between answers. End of input
/// unregisters and exits 0.
/// </summary>
public sealed class ScriptedRunner(Connection connection, Output output, TextReader input)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        // Console reads block (even the async ones) and cannot be cancelled: read on the pool, and stop
        // waiting for the line when interrupted.
        var interrupted = Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => (string?)null, TaskScheduler.Default);
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
