using Akka.Actor;
using Akka.Configuration;

namespace Switchboard.Server.Hosting;

/// <summary>A node's durable store under Akka.Persistence: the SQLite file of a single host (<see cref="DataStore"/>), or
/// the PostgreSQL database a cluster shares (<see cref="PostgresStore"/>).</summary>
public interface IDataStore
{
    /// <summary>The plugin's connection settings, laid over server.hocon's <c>akka.persistence</c> section.</summary>
    Config Hocon { get; }

    /// <summary>What <c>/status</c> shows (never a password).</summary>
    object Status { get; }

    AccountSettings Accounts { get; }

    HistorySettings History { get; }

    /// <summary>Whether the data file is still the one opened at start; null when the store is not a file.</summary>
    DataFileGuard? Guard { get; }

    /// <summary>Which names the store's accounts hold, read once before any client registers.</summary>
    Task<ReservedNames> ReservedNamesAsync(ActorSystem system, CancellationToken cancel);

    /// <summary>Whether the store may hold anything of <paramref name="name"/>'s account: false only when it certainly
    /// holds nothing (the name is a guest's, and no account actor need recover it).</summary>
    Task<bool> MayHoldAccountAsync(string name);

    /// <summary>A name reserved in the store now that differs from <paramref name="name"/> only in case, or null: read by
    /// a reserve while it holds the folded name, so a case variant reserved through another node sharing the store counts
    /// before this node hears of it.</summary>
    Task<string?> ReservedLookAlikeAsync(ActorSystem system, string name);
}
