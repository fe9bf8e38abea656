using System.Text;
using System.Text.Json;

namespace Switchboard.Server.Monitoring;

/// <summary>
/// One log line in the node's format, for what bypasses Microsoft.Extensions.Logging (Akka's minimal logger at
/// start and shutdown): the same shape as the console formatters' lines, text or JSON.
/// </summary>
public static class LogLine
{
    /// <summary>The JSON lines' timestamp: ISO 8601 in UTC, as log shippers parse it.</summary>
    public const string JsonTimestamp = "yyyy-MM-ddTHH:mm:ss.fffZ";

    public static string Text(DateTimeOffset at, string level, string category, string message) =>
        $"{at.ToLocalTime():HH:mm:ss.fff} {level}: {category}[0] {message.Replace('\n', ' ')}"; // one line, as the console formatter's

    public static string Json(DateTimeOffset at, string level, string category, string message)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("Timestamp", at.UtcDateTime.ToString(JsonTimestamp, System.Globalization.CultureInfo.InvariantCulture));
            w.WriteNumber("EventId", 0);
            w.WriteString("LogLevel", level);
            w.WriteString("Category", category);
            w.WriteString("Message", message);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
