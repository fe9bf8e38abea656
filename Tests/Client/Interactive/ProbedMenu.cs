using Akka.TestKit;

namespace Switchboard.Tests.Client.Interactive;

/// <summary>
/// The menu as the interactive client runs it (<see cref="MenuRunner"/> over a <see cref="Connection"/>), its client
/// actor a probe: a spec answers each call the menu makes (<see cref="AnswerAsync(IReply)"/>) and reads what it said,
/// the lines of a <see cref="PlainMenuUi"/> (<see cref="Plain"/>, <see cref="Output"/>) or its own
/// <see cref="IMenuUi"/>'s. The person is zoe unless <paramref name="status"/> says otherwise.
/// </summary>
internal sealed class ProbedMenu
{
    public ProbedMenu(TestKitBase kit, ClientStatus? status = null)
    {
        Client = kit.CreateTestProbe();
        Connection = new Connection(Client.Ref, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        Status = status ?? new ClientStatus("zoe", "127.0.0.1:1");
    }

    /// <summary>Stands for the client actor: each request the menu sends comes to it as a <see cref="ClientActor.Call"/>.</summary>
    public TestProbe Client { get; }
    public Connection Connection { get; }
    public ClientStatus Status { get; }
    /// <summary>What the client actor would queue for the console (pushed lines), shown by a <see cref="Plain"/> menu.</summary>
    public Notices Notices { get; } = new();
    /// <summary>What a <see cref="Plain"/> menu printed.</summary>
    public StringWriter Output { get; } = new();

    /// <summary>The plain-lines menu (TERM=dumb) reading <paramref name="typed"/>, printing to <see cref="Output"/>.</summary>
    public PlainMenuUi Plain(string typed) => new(new StringReader(typed), Output, Notices, Status);

    /// <summary>The lines run out: the client leaves as when its connection is lost, without unregistering.</summary>
    public void LeaveWithoutUnregistering() => Connection.MarkLost();

    /// <summary>Runs the menu on <paramref name="ui"/> to its end; the task is its exit code.</summary>
    public Task<int> Run(IMenuUi ui, Credentials? prompted = null, Func<Task>? started = null) =>
        Task.Run(new MenuRunner(Connection, ui, Status, prompted, started).RunAsync);

    /// <summary>The menu's next call, answered with <paramref name="reply"/>.</summary>
    public Task<ClientActor.Call> AnswerAsync(IReply reply) => AnswerAsync(_ => reply);

    /// <summary>The menu's next call, answered with what <paramref name="reply"/> makes of its id.</summary>
    public async Task<ClientActor.Call> AnswerAsync(Func<long, IReply> reply)
    {
        var call = await Client.ExpectMsgAsync<ClientActor.Call>();
        call.Result.SetResult(reply(call.Id));
        return call;
    }
}
