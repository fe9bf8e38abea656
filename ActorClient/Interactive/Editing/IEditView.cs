namespace Switchboard.Client.Interactive.Editing;

/// <summary>Where the line being edited is drawn: inline under scrolling output, or the chat view's input row.</summary>
public interface IEditView
{
    /// <summary>Draws the prompt and the input with the cursor at its place (replacing what was drawn before).</summary>
    void Draw(string promptMarkup, EditBuffer buffer);

    /// <summary>A line of output above the input (a notice, completion candidates); the next <see cref="Draw"/> shows the input again.</summary>
    void Above(string line, string colour);

    /// <summary>The line was entered or abandoned: leave it on screen and move on.</summary>
    void Done(string promptMarkup, EditBuffer buffer);

    /// <summary>PgUp/PgDn: back through what scrolled off by <paramref name="pages"/> (negative: forward again); the next
    /// <see cref="Draw"/> shows it. A view above the terminal's own scrollback leaves that to the terminal.</summary>
    void Scroll(int pages);
}
