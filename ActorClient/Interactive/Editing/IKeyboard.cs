namespace Switchboard.Client.Interactive.Editing;

/// <summary>Where the line editor's keys come from and the size of the window it draws in: the terminal
/// (<see cref="ConsoleKeyboard"/>), or a spec's.</summary>
public interface IKeyboard
{
    /// <summary>From now on every key comes as typed, Ctrl-C too, and a paste between the terminal's bracketed-paste
    /// marks (ESC [200~ ... ESC [201~).</summary>
    void Claim();

    /// <summary>A line is read: the terminal marks pastes no more (a shell after the client reads them as it likes).</summary>
    void Release();

    bool KeyAvailable { get; }

    /// <summary>The next key, not echoed.</summary>
    ConsoleKeyInfo ReadKey();

    (int Width, int Height) WindowSize { get; }
}
