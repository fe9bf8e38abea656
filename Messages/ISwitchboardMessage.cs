namespace Switchboard.Messages;

/// <summary>Marker for every message that crosses the wire; the serializer is bound to it.</summary>
public interface ISwitchboardMessage;
