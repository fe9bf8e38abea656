namespace Switchboard.Client;

public sealed class PlainMenuUi(TextReader input, TextWriter output, Notices notices) : IMenuUi
{
    public int? Choose(string title, IReadOnlyList<string> choices)
    {
        while (true)
        {
            Flush();
            output.WriteLine(title);
            for (var i = 0; i < choices.Count; i++) output.WriteLine($"  {i + 1}. {choices[i]}");
            output.Write("> ");
            output.Flush();
            var line = input.ReadLine();
            if (line is null) return null;
            if (MenuChoice.Parse(line, choices) is { } picked) return picked;
            output.WriteLine($"please type a number from 1 to {choices.Count}");
        }
    }

    public string? Ask(string prompt)
    {
        Flush();
        output.Write(prompt + " ");
        output.Flush();
        return input.ReadLine()?.Trim();
    }

    public void Good(string text) => output.WriteLine(text);
    public void Bad(string text) => output.WriteLine("error: " + text);
    public void Info(string text) => output.WriteLine(text);

    public void Table(string title, string[] columns, IEnumerable<string[]> rows)
    {
        output.WriteLine(title);
        output.WriteLine("  " + string.Join(" | ", columns));
        foreach (var r in rows) output.WriteLine("  " + string.Join(" | ", r));
    }

    // A plain console cannot redraw: notices wait for the next prompt.
    private void Flush()
    {
        while (notices.TryTake(out var line)) output.WriteLine("* " + line);
    }
}
