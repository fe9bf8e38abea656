namespace Switchboard.Messages;

/// <summary>The answer to one client command: its id, code and both sequence numbers.</summary>
public interface IReply : ISwitchboardMessage
{
    long Id { get; }
    int Code { get; }
    long ClientSeq { get; }
    long ServerSeq { get; }
    string? Error { get; }
}
