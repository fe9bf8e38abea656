namespace Switchboard.Messages;

/// <summary>Input limits the server enforces before doing any work (DESIGN §2).</summary>
public static class Limits
{
    public const int MaxNameLength = 32;
    public const int MaxTextBytes = 4096;
    public const int MaxPresenceNames = 16;

    /// <summary>The most messages one history query returns, whatever count it asks for.</summary>
    public const int MaxHistoryCount = 100;

    /// <summary>The most text (UTF-8 bytes of senders and texts) one history reply carries: a short query cannot make the
    /// server send 100 × 4 KiB, and the reply stays well inside a remoting frame. Past it the reply is cut at the far end
    /// from its anchor; the client pages on with before/after.</summary>
    public const int MaxHistoryReplyBytes = 64 * 1024;

    /// <summary>The longest password an account takes (UTF-8 bytes): far above any passphrase, and a bound on what
    /// one guess makes the server hash.</summary>
    public const int MaxPasswordBytes = 1024;

    /// <summary>The most a client request may carry (UTF-8 bytes of its strings). Far above anything valid (a 4 KiB
    /// text, a few 64-bit numbers) and below the remoting frame size, past which the transport drops a message
    /// without a word: the client answers 422 itself rather than send a pasted megabyte or wait for a reply that
    /// cannot come.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    /// <summary>The most arguments one <see cref="Request"/> or <see cref="ChatCommand"/> carries; more is refused at decode,
    /// before any rate limit sees the frame. Far above the longest command (an operation takes at most 2; markread 2).</summary>
    public const int MaxArgs = 16;

    /// <summary>The most arguments <paramref name="m"/> carries in one request or chat command (a batch: its longest).</summary>
    public static int ArgCount(ISwitchboardMessage m) => m switch
    {
        Request r => r.Args.Length,
        RequestBatch b => b.Requests.Length == 0 ? 0 : b.Requests.Max(r => r.Args.Length),
        ChatCommand c => c.Args.Length,
        _ => 0,
    };

    /// <summary>The most requests one <see cref="RequestBatch"/> (or replies one <see cref="ReplyBatch"/>) carries: a peer
    /// cannot make the server read or count more in one message. Far above the load generator's window of 16.</summary>
    public const int MaxBatch = 64;

    /// <summary>UTF-8 bytes of the strings <paramref name="m"/> carries (what decides its frame size). Fail-closed: a
    /// message type without a rule here counts as <see cref="int.MaxValue"/>, so a new client message with strings is
    /// refused until its size is counted, never sent past the guard unmeasured.</summary>
    public static int PayloadBytes(ISwitchboardMessage m)
    {
        var utf8 = System.Text.Encoding.UTF8;
        switch (m)
        {
            case Request r:
                var n = utf8.GetByteCount(r.Op);
                foreach (var a in r.Args) n += utf8.GetByteCount(a) + 2;
                return n;
            case RequestBatch b:
                var total = 0L;
                foreach (var r in b.Requests) total += PayloadBytes(r);
                return (int)Math.Min(total, int.MaxValue);
            case Tell t: return utf8.GetByteCount(t.To) + utf8.GetByteCount(t.Text);
            case Say s: return utf8.GetByteCount(s.Room ?? "") + utf8.GetByteCount(s.Text);
            case JoinRoom j: return utf8.GetByteCount(j.Room);
            case LeaveRoom l: return utf8.GetByteCount(l.Room);
            case Register r: return utf8.GetByteCount(r.Name) + utf8.GetByteCount(r.Token ?? "") + utf8.GetByteCount(r.Password ?? "") + utf8.GetByteCount(r.Previous ?? "");
            case AccountCommand a: return utf8.GetByteCount(a.Password) + utf8.GetByteCount(a.NewPassword ?? "");
            case HistoryQuery h: return utf8.GetByteCount(h.Conversation);
            case ChatCommand c:
                var bytes = utf8.GetByteCount(c.Verb);
                foreach (var a in c.Args) bytes += utf8.GetByteCount(a) + 2;
                return bytes;
            case Who or ListRooms or SetPresence or Ack or Unregister: return 0; // numbers and flags only
            default: return int.MaxValue;
        }
    }

    /// <summary>Null when <paramref name="password"/> may be an account's password, else why not.</summary>
    public static string? PasswordError(string? password)
    {
        if (string.IsNullOrEmpty(password)) return "the password is empty";
        if (System.Text.Encoding.UTF8.GetByteCount(password) > MaxPasswordBytes) return $"the password is longer than {MaxPasswordBytes} bytes";
        return null;
    }

    /// <summary>Null when <paramref name="name"/> is a valid client name, else why not.</summary>
    public static string? NameError(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "name is empty";
        if (name.Length > MaxNameLength) return $"name is longer than {MaxNameLength} characters";
        foreach (var c in name)
            if (!IsNameChar(c))
                return "name may contain only ASCII letters, digits, '_', '.' and '-'";
        return null;
    }

    /// <summary>The one name rule, as a test (the segment checks names it reads back with it).</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxNameLength) return false;
        foreach (var c in name)
            if (!IsNameChar(c)) return false;
        return true;
    }

    /// <summary>A character a client, room or segment name may hold: ASCII letters, digits, '_', '.' and '-'.</summary>
    public static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
}
