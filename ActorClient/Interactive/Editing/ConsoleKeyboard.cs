namespace Switchboard.Client.Interactive.Editing;

/// <summary>The terminal's keyboard and window.</summary>
public sealed class ConsoleKeyboard : IKeyboard
{
    public void Claim()
    {
        Console.TreatControlCAsInput = true;
        Console.Write("\u001b[?2004h");
    }

    public void Release() => Console.Write("\u001b[?2004l");
    public bool KeyAvailable => Console.KeyAvailable;
    public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);
    public (int Width, int Height) WindowSize => (Console.WindowWidth, Console.WindowHeight);
}
