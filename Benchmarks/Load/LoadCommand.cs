namespace Switchboard.Benchmarks.Load;

/// <summary>Runs one of the load commands (<c>load</c>, <c>capacity</c>, <c>messaging</c>, ...) with parsed options; always kills what it started.</summary>
public static class LoadCommand
{
    /// <summary>0 when the run finished, 1 when it failed (the reason on stderr), 130 on Ctrl-C.</summary>
    public static int Run(string command, LoadOptions o)
    {
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("interrupted: stopping servers");
            ChildProcess.Cleanup();
            Environment.Exit(130);
        };
        EventHandler onExit = (_, _) =>
        {
            ChildProcess.Cleanup();
        };
        Console.CancelKeyPress += onCancel;
        AppDomain.CurrentDomain.ProcessExit += onExit;
        try
        {
            return RunAsync(command, o).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"{command} failed: {e.GetType().Name}: {e.Message}");
            return 1;
        }
        finally
        {
            ChildProcess.Cleanup();
            Console.CancelKeyPress -= onCancel;
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }
    }

    public static async Task<int> RunAsync(string command, LoadOptions o)
    {
        using var env = new LoadEnvironment(o.KeepRateLimit, o.Tls);
        object report = command switch
        {
            "capacity" => await CapacityScenario.RunAsync(env, o),
            "messaging" when o.Durable => await DurableScenario.RunAsync(env, o),
            "messaging" => await MessagingScenario.RunAsync(env, o),
            "cluster" => await ClusterScenario.RunAsync(env, o),
            "scrape-cost" => await ScrapeCostScenario.RunAsync(env, o),
            "client-cost" => await ClientCostScenario.RunAsync(env, o),
            _ when o.Capacity => await CapacityScenario.RunAsync(env, o),
            _ => await RequestReplyScenario.RunAsync(env, o),
        };
        if (o.Json is not null) await File.WriteAllTextAsync(o.Json, ReportFormat.Json(report));
        return 0;
    }
}
