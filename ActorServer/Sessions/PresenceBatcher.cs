namespace Switchboard.Server.Sessions;

/// <summary>
/// What one client hears of a presence change: one batch per look whatever the number of changes (a few names,
/// then counts), so a thousand clients joining at once do not mean a million messages.
/// </summary>
public static class PresenceBatcher
{
    /// <param name="self">The client's own name: it never hears of itself.</param>
    /// <param name="ownClaim">The client's claim token: who registered before it (an earlier claim) was online already.</param>
    /// <returns>The batch, or null when nothing in the change is news to this client.</returns>
    public static PresenceBatch? For(PresenceChanged change, string self, long ownClaim, int maxNames = Limits.MaxPresenceNames)
    {
        ArgumentNullException.ThrowIfNull(change);
        var events = new List<PresenceEvent>(Math.Min(maxNames, change.Joined.Count + change.Left.Count));
        int moreJoined = 0, moreLeft = 0;
        foreach (var e in change.Joined)
        {
            if (e.Name == self || e.Claim < ownClaim) continue;
            if (events.Count < maxNames) events.Add(new PresenceEvent(e.Name, e.Node, true));
            else moreJoined++;
        }
        foreach (var e in change.Left)
        {
            if (e.Name == self) continue;
            if (events.Count < maxNames) events.Add(new PresenceEvent(e.Name, e.Node, false));
            else moreLeft++;
        }
        return events.Count > 0 ? new PresenceBatch([.. events], moreJoined, moreLeft) : null;
    }
}
