namespace Switchboard.Server.Accounts;

/// <summary>What an account's journal holds; written by <see cref="AccountEventSerializer"/>, never as JSON.</summary>
public interface IAccountEvent;

/// <summary>The name was reserved with this password at <paramref name="SinceMs"/> (Unix ms; 0 in events written before
/// it was kept): direct-message history is its owner's from then on, not a guest's of the same name before.</summary>
public sealed record NameReserved(StoredPassword Password, long SinceMs = 0) : IAccountEvent;

/// <summary>The name's password was replaced.</summary>
public sealed record PasswordChanged(StoredPassword Password) : IAccountEvent;

/// <summary>The owner gave the right password from <paramref name="Host"/> (the socket's, as penalties key it): after a
/// restart it is still a host the name logged in from (<c>KnownLogins</c>), so guesses from other hosts that spend the
/// name's budget for strangers do not keep the owner out there. At most <c>AccountActor.MaxHosts</c> a reservation.</summary>
public sealed record LoginHostSeen(string Host) : IAccountEvent;

/// <summary>The reservation was given up: the name is a guest's again.</summary>
public sealed record ReservationReleased : IAccountEvent
{
    public static readonly ReservationReleased Instance = new();
}

/// <summary>Published on the node's event stream when a name is reserved or released: its history inbox is cleared.
/// <paramref name="Written"/>: this node wrote the change; false when it found another node's change by reading the store
/// (an account's recovery, the watch of a shared file). A cluster's inboxes are shared, and the writer's node empties
/// the name's inbox: a node that learns of the change late must not empty it again (what was held for the new owner since
/// would be lost).</summary>
public sealed record ReservationChanged(string Name, bool Written = true);

/// <summary>Published on a cluster node's event stream when another node tells it a name was reserved or released (its
/// <c>ReservationNotice</c>): the name's earlier logins from a host stand for nothing here any more. Not a
/// <see cref="ReservationChanged"/>, which this node would tell every other again.</summary>
public sealed record ReservationHeard(string Name);
