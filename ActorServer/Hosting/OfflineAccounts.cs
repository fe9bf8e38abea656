using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;

namespace Switchboard.Server.Hosting;

/// <summary>Asks for the new password once the command may change the account; null with <paramref name="problem"/>.</summary>
public delegate string? PasswordReader(string name, out string? problem);

/// <summary>
/// The work of <c>ActorServer accounts</c> (<see cref="AccountsCommand"/>) on a single host's data directory.
/// <para><b>The same path as the server.</b> A change runs in an actor system of its own with the server's hocon, its
/// journal (<see cref="SqliteJournal"/> over the same file and connection set-up) and its serializers, through the
/// node's own <see cref="AccountsActor"/> and <see cref="AccountActor"/>: the same events a client's <c>passwd</c> or
/// <c>release</c> writes, the release's earlier events (its password hashes) deleted under SQLite's secure_delete, and
/// its <see cref="ReservationChanged"/> emptying the name's inbox through the node's <see cref="HistoryActor"/>. A server
/// started afterwards reads them as its own.</para>
/// <para><b>One writer.</b> Akka.Persistence needs one writer per persistence id, and a running node is the writer of
/// the accounts it holds: a change takes the directory alone (<see cref="DataDirectoryClaim.TakeAlone"/>, and the
/// history keeper's lock) or is refused, exit 3, while any node runs on it; a node starting meanwhile is refused until
/// it is done. <c>list</c> only reads (as <c>backup</c> does) and runs beside servers.</para>
/// </summary>
public static class OfflineAccounts
{
    /// <summary>Exit codes: done; the store cannot be used or the change was not saved; a bad option, name or password;
    /// a server is running on the directory (nothing changed); the name is not reserved (nothing changed).</summary>
    public const int Done = 0, Unusable = 1, BadOption = 2, ServerRunning = 3, NotReserved = 4;

    // Bounds a stuck store, not the work: a change is one hash (~0.3 s) and one write.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The reserved names, one a line: NAME, a tab, when it was reserved (UTC; "-" when the journal did not say).</summary>
    public static int List(string? directory, string? configPath, TextWriter output, TextWriter error)
    {
        if (Locate(directory, configPath, error, out var hocon, out var code) is not { } dir) return code;
        if (Open(dir, hocon, error) is not { } store) return Unusable;
        var system = Start(store, hocon);
        try
        {
            using var cancel = new CancellationTokenSource(Patience);
            var reserved = store.ReservedNamesAsync(system, cancel.Token).GetAwaiter().GetResult();
            foreach (var (name, since) in reserved.All)
                output.WriteLine($"{name}\t{(since > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(since).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") : "-")}");
            // On stderr: a script reading the list still reads nothing, and a person is told it is empty, not left to wonder.
            if (reserved.Count == 0) error.WriteLine($"accounts: no name is reserved in {dir}");
            return Done;
        }
        finally
        {
            Stop(system);
        }
    }

    /// <summary>Releases <paramref name="name"/> as its owner's <c>release</c> does, without its password.</summary>
    public static int Release(string name, string? directory, string? configPath, TextWriter output, TextWriter error) =>
        Change(name, AccountAction.Release, directory, configPath, null, output, error);

    /// <summary>Gives <paramref name="name"/> the password <paramref name="password"/> reads, as its owner's <c>passwd</c> does.</summary>
    public static int SetPassword(string name, string? directory, string? configPath, PasswordReader password, TextWriter output, TextWriter error) =>
        Change(name, AccountAction.ChangePassword, directory, configPath, password, output, error);

    private static int Change(string name, AccountAction action, string? directory, string? configPath, PasswordReader? password,
        TextWriter output, TextWriter error)
    {
        if (Limits.NameError(name) is { } badName) return Fail(error, BadOption, $"'{name}': {badName}");
        if (Locate(directory, configPath, error, out var hocon, out var code) is not { } dir) return code;
        using var claim = DataDirectoryClaim.TakeAlone(dir, out var holder, out var problem);
        if (claim is null)
            return holder is not null
                ? Fail(error, ServerRunning, $"a server is running on {dir} (segment '{holder}' holds {Path.Combine(dir, DataDirectoryClaim.FileName)}): " +
                    "stop every node of it first, then run this again; nothing was changed")
                : Fail(error, Unusable, problem!);
        // Held by a node even of a build before server.lock; held here, so no node starts keeping the history meanwhile.
        using var keeper = new HistoryKeeperLock(dir);
        if (!keeper.TryTake())
            return Fail(error, ServerRunning, $"a server is running on {dir} (it holds {keeper.Path}): stop every node of it first, then run this again; nothing was changed");
        if (Open(dir, hocon, error) is not { } store) return Unusable;
        var system = Start(store, hocon);
        try
        {
            string? fresh = null;
            if (password is not null)
            {
                // Before the password is asked: an operator typed it twice for a mistyped name, then heard it was not reserved.
                if (!Reserved(store, system).IsReserved(name)) return NotReservedFail(name, store, system, error);
                fresh = password(name, out problem);
                problem ??= fresh is null ? "no password given" : Limits.PasswordError(fresh);
                if (problem is not null) return Fail(error, BadOption, problem);
            }

            var (accounts, history) = system.StartStore(store, keeper: keeper);
            var done = accounts!.Ask<OperatorChangeDone>(new OperatorChange(name, action, fresh), Patience).GetAwaiter().GetResult();
            if (done.Code == Codes.Invalid) return NotReservedFail(name, store, system, error);
            if (done.Code != Codes.Ok) return Fail(error, Unusable, $"'{name}': {done.Text}");
            if (action == AccountAction.Release) AwaitReleaseSettled(name, store, history!, error);
            output.WriteLine($"'{name}': {done.Text}");
            return Done;
        }
        catch (AskTimeoutException)
        {
            return Fail(error, Unusable, $"'{name}': the data store did not answer within {Patience.TotalSeconds:0} s; the change may not have been saved");
        }
        finally
        {
            Stop(system);
        }
    }

    // A name typed in another case than its reservation's is another name: the refusal names the reserved one.
    private static int NotReservedFail(string name, DataStore store, ActorSystem system, TextWriter error)
    {
        var match = Reserved(store, system).LookAlike(name);
        var otherCase = match is null ? "" : $" (the reserved name is '{match}': names are told apart by case)";
        return Fail(error, NotReserved, $"'{name}' is not reserved; nothing was changed{otherCase}");
    }

    private static ReservedNames Reserved(DataStore store, ActorSystem system)
    {
        using var cancel = new CancellationTokenSource(Patience);
        return store.ReservedNamesAsync(system, cancel.Token).GetAwaiter().GetResult();
    }

    // The account's deletion of its earlier events and the inbox's clearing run after the release is answered (the
    // release told the history, ReservationChanged, before that), and a node would finish them while it runs on: this
    // command waits for them instead, so the hashes and the earlier owner's inbox are gone from the file when it says
    // "released". The inbox answers this after its clearing is written; then the rows are watched until deleted.
    private static void AwaitReleaseSettled(string name, DataStore store, HistoryDesk history, TextWriter error)
    {
        history.Actor.Ask<MarkersRead>(new ReadMarkers(name, 1, null), Patience).GetAwaiter().GetResult();
        var until = DateTime.UtcNow + Patience;
        while (store.ReleasePending(name))
        {
            if (DateTime.UtcNow > until)
            {
                error.WriteLine($"accounts: warning: '{name}' is released, but its earlier events or its inbox's were not all deleted within " +
                    $"{Patience.TotalSeconds:0} s (see the lines above)");
                return;
            }
            Thread.Sleep(20);
        }
    }

    // The directory whose store a server with the same --data and --config uses; null (with the exit code) when there
    // is no store to work on.
    private static string? Locate(string? directory, string? configPath, TextWriter error, out Config hocon, out int code)
    {
        hocon = Config.Empty;
        string file;
        try
        {
            hocon = SwitchboardConfig.LoadSide(configPath, "server.hocon");
            file = hocon.RequiredString("switchboard.data.file");
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException or FormatException)
        {
            code = Fail(error, BadOption, $"bad configuration: {ex.Message}");
            return null;
        }
        var dir = Path.GetFullPath(directory ?? DataStore.DefaultDirectory());
        // Never made here: a mistyped --data must not become an empty store that says nobody is reserved.
        if (!File.Exists(Path.Combine(dir, file)))
        {
            code = Fail(error, Unusable, $"no data store in {dir}: {Path.Combine(dir, file)} does not exist (give --data the directory the server runs with)");
            return null;
        }
        code = Done;
        return dir;
    }

    // The server's own start checks (owner, mode, quick_check, schema).
    private static DataStore? Open(string dir, Config hocon, TextWriter error)
    {
        var store = DataStore.Open(dir, hocon, out var problem, out _);
        if (store is null) Fail(error, Unusable, problem!);
        return store;
    }

    // Local only, with the server's serializers and persistence; Akka's own lines go to stderr (server.hocon's
    // stdout-logger-class), warnings and worse only: stdout is this command's answer.
    private static ActorSystem Start(DataStore store, Config hocon)
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(store.Hocon).WithFallback(hocon).WithFallback(SqlPersistence.DefaultConfiguration);
        return ActorSystem.Create("switchboard-accounts", BootstrapSetup.Create().WithConfig(config).And(store.Setup));
    }

    private static void Stop(ActorSystem system) => system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private static int Fail(TextWriter error, int code, string problem)
    {
        error.WriteLine($"accounts: {problem}");
        return code;
    }
}
