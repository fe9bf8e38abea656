namespace Switchboard.Client.Commands;

/// <summary>One parsed line of scripted input (DESIGN §4).</summary>
public abstract record Command(string Name);

/// <summary>Goes to the server as it was typed; <see cref="Make"/> builds the message for a request id.</summary>
public sealed record WireCommand(string Name, Func<long, ISwitchboardMessage> Make) : Command(Name);

public sealed record SleepCommand(int Milliseconds) : Command("sleep");

public sealed record UnregisterCommand() : Command("unregister");

public sealed record ExitCommand() : Command("exit");

/// <summary>Answered by the client itself: not a command, or a client-side usage error.</summary>
public sealed record InvalidCommand(string Name, string Error) : Command(Name);
