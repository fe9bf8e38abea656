using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using FsGen = FsCheck.FSharp.Gen;

namespace Switchboard.Tests.Client.Commands;

/// <summary>A line of scripted input as a hostile or careless script might type it.</summary>
public sealed record InputLine(string Text)
{
    public override string ToString() =>
        Text.Length <= 120 ? $"\"{Escape(Text)}\"" : $"\"{Escape(Text[..120])}...\" ({Text.Length} chars)";

    static string Escape(string s) => string.Concat(s.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}

public static class CommandLineArbitraries
{
    static readonly string[] Words =
        ["calc", "even", "prime", "negative", "op", "who", "say", "tell", "join", "leave", "rooms", "presence", "sleep",
         "unregister", "exit", "quit", "CALC", "say#", "x"];

    static readonly string[] Separators = [" ", "  ", "\t", " \t ", "\u00A0", "\u3000", "\u2028", "\r", "\v", "\f", "\0", ""];

    static readonly string[] Pieces =
        ["#room", "#", "on", "off", "1", "-1", "600000", "600001", "9223372036854775808", "+", "bob", "é✓", "\uD800", "\uDC00",
         "\uD83D\uDE00", "\u0000", "\u001B[31m", "\u202E", "\uFEFF", "\uFFFF", "0x10", "١٢٣"];

    static Gen<string> Fragment() => Gen.Frequency(
        (4, Gen.Elements(Pieces)),
        (3, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)),
        (1, FsGen.Choose(0, 0xFFFF).Select(c => ((char)c).ToString())),
        (1, Gen.Elements(Separators)));

    static Gen<string> Long() =>
        from piece in Gen.Elements("a", "é", "✓", " ", "\uD83D\uDE00", "x ", "\t")
        from n in FsGen.Choose(1, 40_000)
        select string.Concat(Enumerable.Repeat(piece, n));

    public static Arbitrary<InputLine> Line() => Gen.Frequency(
        (6, from lead in Gen.Elements(Separators)
            from word in Gen.Elements(Words)
            from parts in Gen.ListOf(from sep in Gen.Elements(Separators) from f in Fragment() select sep + f)
            from trail in Gen.Elements(Separators)
            select new InputLine(lead + word + string.Concat(parts) + trail)),
        (2, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).Select(s => new InputLine(s))),
        (1, from word in Gen.Elements(Words) from sep in Gen.Elements(Separators) from l in Long() select new InputLine(word + " " + sep + l)),
        (1, from spaces in FsGen.Choose(0, 5000) from sep in Gen.Elements(Separators) select new InputLine(string.Concat(Enumerable.Repeat(sep, spaces)))))
        .ToArbitrary();
}

/// <summary>
/// <see cref="CommandParser.Parse"/> on any line: never throws, returns null only for a blank line, and every
/// <see cref="WireCommand"/> builds a message whose strings <see cref="Limits.PayloadBytes"/> counts, so the client's
/// size check (<c>Connection.SendAsync</c>) bounds what goes on the wire.
/// </summary>
[Properties(Arbitrary = [typeof(CommandLineArbitraries)], MaxTest = 3000)]
public sealed class CommandParserProperties
{
    [Property]
    public Property Parsing_any_line_never_throws_and_is_null_only_for_a_blank_line(InputLine line)
    {
        Command? command;
        try { command = CommandParser.Parse(line.Text); }
        catch (Exception e) { return false.Label($"threw {e.GetType().Name}: {e.Message}"); }
        var blank = string.IsNullOrWhiteSpace(line.Text);
        return (command is null == blank).Label(blank ? $"a blank line gave {command}" : "a non-blank line gave null");
    }

    [Property]
    public Property A_wire_command_builds_a_message_whose_size_the_client_checks(InputLine line)
    {
        if (CommandParser.Parse(line.Text) is not WireCommand wire) return true.Label("not a wire command").Classify(true, "not wire");
        ISwitchboardMessage message;
        try { message = wire.Make(41); }
        catch (Exception e) { return false.Label($"Make threw {e.GetType().Name}: {e.Message}"); }
        if (message is null) return false.Label("Make returned null");

        var strings = StringsOf(message);
        var counted = Limits.PayloadBytes(message);
        var carried = strings.Sum(s => System.Text.Encoding.UTF8.GetByteCount(s));
        var wireBytes = FuzzSerializer.Serializer.ToBinary(message).Length;
        return (counted >= carried).Label($"{message.GetType().Name}: PayloadBytes {counted} < the {carried} UTF-8 bytes it carries")
            // what the client counts bounds the frame: protobuf adds a tag and a length per string, and the id
            .And((wireBytes <= counted + 16 + 6 * strings.Count).Label($"{message.GetType().Name}: {wireBytes} bytes on the wire, PayloadBytes {counted}"))
            .And((Id(message) == 41).Label("the request id is the one given"))
            .Classify(counted > Limits.MaxRequestBytes, "too large: answered 422 by the client");
    }

    [Fact]
    public void Known_edge_lines_parse_as_expected()
    {
        Assert.Null(CommandParser.Parse(""));
        Assert.Null(CommandParser.Parse(" \t\u00A0\u3000\u2028 "));
        Assert.IsType<InvalidCommand>(CommandParser.Parse("\0"));
        Assert.IsType<InvalidCommand>(CommandParser.Parse("sleep 600001"));
        Assert.IsType<InvalidCommand>(CommandParser.Parse("sleep ١٢٣")); // Arabic-Indic digits are not a number here
        var huge = Assert.IsType<WireCommand>(CommandParser.Parse("say " + new string('x', 100_000)));
        Assert.True(Limits.PayloadBytes(huge.Make(1)) > Limits.MaxRequestBytes);
    }

    static List<string> StringsOf(ISwitchboardMessage m) => m switch
    {
        Request r => [r.Op, .. r.Args],
        Tell t => [t.To, t.Text],
        Say s => [s.Room ?? "", s.Text],
        JoinRoom j => [j.Room],
        LeaveRoom l => [l.Room],
        Who or ListRooms or SetPresence => [],
        _ => throw new InvalidOperationException($"the parser built a {m.GetType().Name}: teach this property which strings it carries"),
    };

    static long Id(ISwitchboardMessage m) => m switch
    {
        Request r => r.Id, Tell t => t.Id, Say s => s.Id, JoinRoom j => j.Id, LeaveRoom l => l.Id, Who w => w.Id,
        ListRooms x => x.Id, SetPresence p => p.Id, _ => -1,
    };
}

public sealed class PayloadGuardSpecs
{
    [Fact]
    public void A_message_type_the_size_guard_has_no_rule_for_is_refused_not_passed()
    {
        // Server-to-client and node-to-node types are never sent by a client: the guard knows nothing of them.
        Assert.Equal(int.MaxValue, Limits.PayloadBytes(new Incoming("bob", "hi", true, null, false)));
        Assert.Equal(int.MaxValue, Limits.PayloadBytes(new FanoutDropped("a", "b", "c")));
        Assert.True(Limits.PayloadBytes(new Incoming("bob", "hi", true, null, false)) > Limits.MaxRequestBytes);
    }

    [Fact]
    public void Every_message_a_client_sends_has_a_counted_size()
    {
        ISwitchboardMessage[] sent =
        [
            new Register("alice", "tok"), new Unregister(1), new Request(1, "calc", ["1", "+", "2"]), new RequestBatch([new Request(1, "prime", ["7"])]),
            new Who(1), new Say(1, null, "hi"), new Tell(1, "bob", "hi"), new JoinRoom(1, "#r"), new LeaveRoom(1, "#r"), new ListRooms(1),
            new SetPresence(1, true), new Ack(3),
        ];
        foreach (var m in sent) Assert.True(Limits.PayloadBytes(m) < Limits.MaxRequestBytes, m.GetType().Name);
        Assert.Equal(3 + 3, Limits.PayloadBytes(new Register("abc", "tok")));
        Assert.True(Limits.PayloadBytes(new RequestBatch([.. Enumerable.Range(0, 5).Select(i => new Request(i, "op", [new string('x', 4000)]))])) > Limits.MaxRequestBytes);
    }
}
