namespace Switchboard.Client.Interactive.Menu;

public static class MenuChoice
{
    /// <summary>The choice a person typed: its number, or its text (so "*" picks the operator "*").</summary>
    public static int? Parse(string typed, IReadOnlyList<string> choices)
    {
        var t = typed.Trim();
        if (int.TryParse(t, out var n) && n >= 1 && n <= choices.Count) return n - 1;
        for (var i = 0; i < choices.Count; i++)
            if (string.Equals(choices[i], t, StringComparison.OrdinalIgnoreCase)) return i;
        return null;
    }
}
