using Akka.Actor;

namespace Switchboard.Server.History;

/// <summary>
/// What one of the history's persistent actors was asked while its journal was read back, each with the answer it gets
/// if that read fails. Akka stashes those requests and, when the read fails, stops the actor with them unanswered: each
/// asker waited its own timeout (10 s) and then heard that a message "may still be kept", though nothing of it was
/// written (a cluster operator's finding, PostgreSQL stopped). They hear <paramref name="failedAnswer"/>'s answer at once
/// instead; a message it gives none is not an asker's.
/// </summary>
internal sealed class AskedWhileReading(Func<object, object?> failedAnswer)
{
    private readonly List<(IActorRef ReplyTo, object Answer)> _asked = [];

    /// <summary>The answer to a request of <paramref name="ticket"/>, none of which was written: a plain 503.</summary>
    public static HistoryFailed Unreadable(long ticket) => new(ticket, Codes.Unavailable, HistoryText.Unavailable);

    /// <summary>Call for each message received while recovering.</summary>
    public void Note(object message, IActorRef sender)
    {
        if (failedAnswer(message) is { } answer) _asked.Add((sender, answer));
    }

    /// <summary>The read succeeded: the stash serves them.</summary>
    public void Served() => _asked.Clear();

    /// <summary>The read failed: each hears its answer now.</summary>
    public void Failed()
    {
        foreach (var (replyTo, answer) in _asked) replyTo.Tell(answer);
        _asked.Clear();
    }
}
