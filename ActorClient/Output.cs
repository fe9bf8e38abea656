using System.Text;
using System.Text.Json;
using Switchboard.Messages;

namespace Switchboard.Client;

/// <summary>
/// Renders replies and events as single lines, JSON (field names fixed by DESIGN §4) or plain text.
/// Writes are whole lines under one lock, so an event never lands inside a reply.
/// </summary>
public sealed class Output(TextWriter writer, bool json)
{
    private readonly Lock _gate = new();

    // Readable quotes and non-ASCII; output is a line on a console or a pipe, never embedded in HTML.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Registered(string name, Registered r) => Line(json
        ? Json(w =>
        {
            w.WriteString("event", "registered");
            w.WriteNumber("code", Codes.Ok);
            w.WriteNumber("clientSeq", r.ClientSeq);
            w.WriteNumber("serverSeq", r.ServerSeq);
            w.WriteString("name", name);
            w.WriteString("node", r.Node);
        })
        : $"registered as {name} on {r.Node} [clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq}]");

    public void Rejected(int code, string error) => Line(json
        ? Json(w =>
        {
            w.WriteString("event", "registered");
            w.WriteNumber("code", code);
            w.WriteString("error", error);
        })
        : $"registration failed: {code} {error}");

    public void Reply(string cmd, Reply r) => Line(json ? Json(w => WriteReply(w, cmd, r)) : Plain(cmd, r));

    /// <summary>A reply the client makes itself (usage errors, server unreachable): no sequence numbers.</summary>
    public void Local(string cmd, int code, string? error) => Line(json
        ? Json(w =>
        {
            w.WriteString("cmd", cmd);
            w.WriteNumber("code", code);
            if (error is not null) w.WriteString("error", error);
        })
        : error is null ? $"{cmd}: ok" : $"{cmd}: error {code} {error}");

    public void Event(string name, string? detail) => Line(json
        ? Json(w =>
        {
            w.WriteString("event", name);
            if (detail is not null) w.WriteString("detail", detail);
        })
        : $"* {name}{(detail is null ? "" : ": " + detail)}");

    public static string Plain(string cmd, Reply r)
    {
        var seq = $"[clientSeq {r.ClientSeq}, serverSeq {r.ServerSeq}]";
        return r.Code == Codes.Ok
            ? $"{cmd}: {ValueText(r.Value)} {seq}"
            : $"{cmd}: error {r.Code} {r.Error} {seq}";
    }

    public static string ValueText(OpValue v) => v.Kind switch
    {
        ValueKind.Number => v.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ValueKind.Flag => v.Flag ? "true" : "false",
        ValueKind.Text => v.Text ?? "",
        _ => "ok",
    };

    private static void WriteReply(Utf8JsonWriter w, string cmd, Reply r)
    {
        w.WriteString("cmd", cmd);
        w.WriteNumber("code", r.Code);
        w.WriteNumber("clientSeq", r.ClientSeq);
        w.WriteNumber("serverSeq", r.ServerSeq);
        if (r.Code == Codes.Ok)
        {
            switch (r.Value.Kind)
            {
                case ValueKind.Number: w.WriteNumber("result", r.Value.Number); break;
                case ValueKind.Flag: w.WriteBoolean("result", r.Value.Flag); break;
                case ValueKind.Text: w.WriteString("result", r.Value.Text); break;
            }
        }
        else
        {
            w.WriteString("error", r.Error ?? "error");
        }
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private void Line(string line)
    {
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
