using Spectre.Console;

namespace Switchboard.Client;

/// <summary>How the menu talks to a person: Spectre.Console prompts, or plain numbered lines where the
/// console cannot prompt (no cursor control, dumb terminal).</summary>
public interface IMenuUi
{
    int Choose(string title, IReadOnlyList<string> choices);
    string Ask(string prompt);
    void Info(string text);
    void Good(string text);
    void Bad(string text);
}

public sealed class SpectreMenuUi : IMenuUi
{
    public int Choose(string title, IReadOnlyList<string> choices)
    {
        var picked = AnsiConsole.Prompt(new SelectionPrompt<string>()
            .Title(Markup.Escape(title))
            .HighlightStyle(new Style(Color.Aqua))
            .AddChoices(choices.Select(Markup.Escape)));
        return choices.Select(Markup.Escape).ToList().IndexOf(picked);
    }

    public string Ask(string prompt) =>
        AnsiConsole.Prompt(new TextPrompt<string>(Markup.Escape(prompt)).AllowEmpty()).Trim();

    public void Info(string text) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
    public void Good(string text) => AnsiConsole.MarkupLine($"[green]{Markup.Escape(text)}[/]");
    public void Bad(string text) => AnsiConsole.MarkupLine($"[red]{Markup.Escape(text)}[/]");
}

public sealed class PlainMenuUi(TextReader input, TextWriter output) : IMenuUi
{
    public int Choose(string title, IReadOnlyList<string> choices)
    {
        while (true)
        {
            output.WriteLine(title);
            for (var i = 0; i < choices.Count; i++) output.WriteLine($"  {i + 1}. {choices[i]}");
            output.Write("> ");
            output.Flush();
            var line = input.ReadLine();
            if (line is null) return choices.Count - 1; // end of input: the last choice is always the way out
            if (int.TryParse(line.Trim(), out var n) && n >= 1 && n <= choices.Count) return n - 1;
            output.WriteLine($"please type a number from 1 to {choices.Count}");
        }
    }

    public string Ask(string prompt)
    {
        output.Write(prompt + " ");
        output.Flush();
        return input.ReadLine()?.Trim() ?? "";
    }

    public void Info(string text) => output.WriteLine(text);
    public void Good(string text) => output.WriteLine(text);
    public void Bad(string text) => output.WriteLine("error: " + text);
}
