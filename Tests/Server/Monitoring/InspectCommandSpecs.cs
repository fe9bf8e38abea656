using System.Text.Json;
using Spectre.Console;
using static Switchboard.Tests.Server.Segment.StateTestSupport;

namespace Switchboard.Tests.Server.Monitoring;

public class InspectCommandSpecs
{
    [Fact]
    public void Json_has_the_documented_camel_case_fields()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        var alice = store.Claim("alice");
        store.CounterFor(alice.Slot).Next();

        using var doc = JsonDocument.Parse(InspectCommand.ToJson(SegmentReader.Read(seg.Name, MutexTimeout)));
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("serverSeq").GetInt64());
        Assert.Equal(1, root.GetProperty("totalRequests").GetInt64());
        Assert.Equal(1, root.GetProperty("totalRegistrations").GetInt64());
        var node = Assert.Single(root.GetProperty("nodes").EnumerateArray());
        Assert.Equal("127.0.0.1:4053", node.GetProperty("address").GetString());
        Assert.Equal(Environment.ProcessId, node.GetProperty("pid").GetInt32());
        Assert.True(node.GetProperty("alive").GetBoolean());
        Assert.True(node.TryGetProperty("started", out _));
        Assert.True(node.TryGetProperty("heartbeat", out _));
        var client = Assert.Single(root.GetProperty("clients").EnumerateArray());
        Assert.Equal("alice", client.GetProperty("name").GetString());
        Assert.Equal("127.0.0.1:4053", client.GetProperty("node").GetString());
        Assert.Equal(1, client.GetProperty("requests").GetInt64());
        Assert.True(client.TryGetProperty("since", out _));
    }

    [Fact]
    public void Tables_show_nodes_clients_and_totals()
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg, "[odd]:1");
        store.Claim("bob");
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No });
        console.Profile.Width = 200;
        console.Write(InspectCommand.Render(seg.Name, store.Snapshot()));
        var text = writer.ToString();
        Assert.Contains("[odd]:1", text);
        Assert.Contains("bob", text);
        Assert.Contains("registrations", text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Watch_refreshes_until_cancelled_and_exits_0(bool json)
    {
        using var seg = new TestSegment();
        using var store = OpenStore(seg);
        store.Claim("watched");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1200));
        Assert.Equal(0, InspectCommand.Run(seg.Name, json, watch: true, cts.Token));
        Assert.True(cts.IsCancellationRequested, "watch returned before it was cancelled"); // how long it took is the machine's business
    }

    [Fact]
    public void A_missing_segment_exits_1()
    {
        Assert.Equal(1, InspectCommand.Run("sbtest-missing-" + Guid.NewGuid().ToString("N"), json: true, watch: false, CancellationToken.None));
        Assert.Equal(1, InspectCommand.Run("sbtest-missing-" + Guid.NewGuid().ToString("N"), json: false, watch: true, CancellationToken.None));
    }
}
