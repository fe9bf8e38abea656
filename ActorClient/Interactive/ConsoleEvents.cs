using Akka.Actor;

namespace Switchboard.Client.Interactive;

/// <summary>Routes what the client actor reports to the scripted output, or to the menu's notices and status; after a
/// reconnect, catches up on what the client missed (<see cref="CatchUp"/>) and shows it the same way.</summary>
internal sealed class ConsoleEvents(string name, Func<Connection?> connection, Func<ClientRuntime?> runtime, Output output, Notices? notices,
    SeenMessages? seen = null) : IClientEvents, ICatchUpView
{
    public Notices? Notices => notices;

    // Scripted output is written on the client actor's thread, so a reader that stops reading stops the acknowledgements.
    public bool Behind => notices?.Count > Notices.MaxUnshown;

    /// <summary>Set once registered, in interactive mode: the status line and completion follow the events.</summary>
    public ClientStatus? Status { get; set; }

    public void Registered(Registered registered)
    {
        if (notices is null) output.Registered(name, registered);
    }

    public void Pushed(ISwitchboardMessage message)
    {
        if (message is Incoming i && seen is not null)
            switch (seen.Pushed(i))
            {
                case Showing.Hidden:
                    return;
                case Showing.Missed:
                    Missed(i);
                    return;
            }
        if (notices is null) output.Pushed(message);
        else
        {
            if (message is PresenceEvent p)
            {
                if (p.Joined) Status?.Joined(p.Name);
                else Status?.Left(p.Name);
            }
            notices.Add(WithId(message, Output.PlainEvent(message)));
        }
    }

    public void Lost(string why)
    {
        connection()?.MarkLost();
        if (Status is { } s) s.Connected = false;
        if (notices is null) output.Disconnected(why);
        else notices.Add($"disconnected: {why}; reconnecting...");
    }

    public void ReconnectRefused(int code, string error, bool final = false)
    {
        if (final)
        {
            connection()?.MarkRefused($"{code} {error}");
            if (Status is { } s)
            {
                s.SetOnline([]);
                s.Refused = true;
            }
        }
        if (notices is null) output.ReconnectRefused(code, error, final);
        else notices.Add($"cannot register again as {name}: {code} {error}; {(final ? "not trying again (leave, and start with another name or the right password)" : "still trying")}");
    }

    public void Reconnected(Registered registered, IActorRef client)
    {
        connection()?.Rebind(client);
        // Taken here, on the client actor's thread, before it handles anything the new session pushes; and before the
        // connection is back, so that no command goes out ahead of the rooms' joins.
        var plan = seen?.BeginCatchUp() is { IsEmpty: false } p ? p : null;
        var catchUp = plan is not null && connection() is { } c ? new CatchUp(seen!, c.SendNowAsync, this) : null;
        if (catchUp is not null) connection()!.Rejoining(catchUp.Rejoined);
        connection()?.MarkBack();
        if (Status is { } s)
        {
            // A new session: the server forgot this client's rooms and presence setting with the old one; the catch-up
            // sets them again (the rooms show as they are joined).
            s.Node = registered.Node;
            s.Presence = seen?.PresenceOn ?? true;
            s.ForgetRooms();
            s.Connected = true;
        }
        if (notices is null) output.Registered(name, registered, "reconnected");
        else notices.Add($"reconnected as {name} on {registered.Node}");
        if (catchUp is not null) _ = Task.Run(() => catchUp.RunAsync(plan!));
    }

    public void Rejoined(string room) => Status?.JoinedRoom(room);

    public void Missed(Incoming message)
    {
        if (notices is null) output.Missed(message);
        else notices.Add(WithId(message, Output.PlainMissed(message)));
    }

    // A kept message's id on screen, for `markread` and `history ... around ID` (scripted mode has it in --json).
    private static string WithId(ISwitchboardMessage m, string line) => m is Incoming { MsgId: > 0 } kept ? $"{line}  (#{kept.MsgId})" : line;

    public void Trimmed(string conversation, long count)
    {
        if (notices is null) output.Trimmed(conversation, count);
        else notices.Add(Output.PlainTrimmed(conversation, count));
    }

    public void CaughtUp(CatchUpSummary summary)
    {
        if (notices is null) output.CaughtUp(summary);
        else notices.Add(Output.PlainCaughtUp(summary));
    }

    // Called on the retiring system's actor thread: the replacement is built elsewhere, never awaited here.
    public void NeedsFreshSystem()
    {
        if (runtime() is { } r) _ = Task.Run(r.ReplaceAsync);
    }
}
