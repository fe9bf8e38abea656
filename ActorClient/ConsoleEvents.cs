using Akka.Actor;
using Switchboard.Client.Actors;
using Switchboard.Messages;

namespace Switchboard.Client;

/// <summary>Routes what the client actor reports to the scripted output, or to the menu's notices.</summary>
internal sealed class ConsoleEvents(string name, Func<Connection?> connection, Func<ClientRuntime?> runtime, Output output, Notices? notices) : IClientEvents
{
    public Notices? Notices => notices;

    public void Registered(Registered registered)
    {
        if (notices is null) output.Registered(name, registered);
    }

    public void Pushed(ISwitchboardMessage message)
    {
        if (notices is null) output.Pushed(message);
        else notices.Add(Output.PlainEvent(message));
    }

    public void Lost(string why)
    {
        connection()?.MarkLost();
        if (notices is null) output.Disconnected(why);
        else notices.Add($"disconnected: {why}; reconnecting...");
    }

    public void ReconnectRefused(int code, string error)
    {
        if (notices is null) output.ReconnectRefused(code, error);
        else notices.Add($"cannot register again as {name}: {code} {error}; still trying");
    }

    public void Reconnected(Registered registered, IActorRef client)
    {
        connection()?.Rebind(client);
        connection()?.MarkBack();
        if (notices is null) output.Registered(name, registered, "reconnected");
        else notices.Add($"reconnected as {name} on {registered.Node}");
    }

    // Called on the retiring system's actor thread: the replacement is built elsewhere, never awaited here.
    public void NeedsFreshSystem()
    {
        if (runtime() is { } r) _ = Task.Run(r.ReplaceAsync);
    }
}
