using Microsoft.Extensions.Hosting;

namespace Switchboard.Client.Hosting;

/// <summary>A host lifetime that leaves signals alone: the client decides when its actor system stops.</summary>
internal sealed class ManualLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
