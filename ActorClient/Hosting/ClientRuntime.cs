using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Switchboard.Client.Hosting;

/// <summary>
/// Owns the client's actor system (built with Akka.Hosting). A system that a server has quarantined can never
/// talk to that server again (DESIGN §8), so after a quarantine the client replaces the whole system, and
/// its client actor re-registers under the same name from the new one.
/// </summary>
internal sealed class ClientRuntime(Func<bool, IHost> build) : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IHost? _host;
    private bool _disposed;

    /// <summary>Starts a system whose client actor registers (or, with <paramref name="reconnecting"/>, re-registers).</summary>
    public async Task<IActorRef> StartAsync(bool reconnecting, CancellationToken ct)
    {
        var host = build(reconnecting);
        _host = host;
        await host.StartAsync(ct);
        return host.Services.GetRequiredService<IRequiredActor<ClientActor>>().ActorRef;
    }

    /// <summary>Stops the running system and starts a fresh one that registers anew (the next server of a list).</summary>
    public async Task<IActorRef> RestartAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await StopAsync();
            return await StartAsync(reconnecting: false, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Replaces the running system with a fresh one; a no-op once the client is leaving.</summary>
    public async Task ReplaceAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed) return;
            await StopAsync();
            await StartAsync(reconnecting: true, CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            await StopAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopAsync()
    {
        if (_host is not { } host) return;
        _host = null;
        // Bounded: a client never hangs on its way out.
        await host.StopAsync(CancellationToken.None).WaitAsync(StopTimeout).ContinueWith(_ => { }, TaskScheduler.Default);
        host.Dispose();
    }
}
