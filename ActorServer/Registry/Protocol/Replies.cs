using Akka.Actor;

namespace Switchboard.Server.Registry.Protocol;

// Session ↔ registry for what only the registry knows. Replies are counted and sent by the session itself
// (ReplyCounter), so a request costs no hop to the registry.

/// <summary>Who is online (every node), asked by a session; answered with a <see cref="WhoList"/> (or
/// <see cref="WhoFailed"/>). <paramref name="Unread"/>: a reserved name's unread direct messages by sender, set on
/// their entries.</summary>
public sealed record WhoQuery(long Id, IReadOnlyDictionary<string, long>? Unread = null);

/// <summary>Registry → session: everyone online, sorted by name, or the first of them and how many <paramref name="More"/>
/// (<see cref="WhoListing"/>); the session counts and sends the <c>WhoReply</c>.</summary>
public sealed record WhoList(long Id, PresenceEntry[] Clients, int More = 0);

/// <summary>Registry → session: the list could not be read; the session answers 503 with <paramref name="Error"/>.</summary>
public sealed record WhoFailed(long Id, string Error);
