namespace Switchboard.Tests.Server.Monitoring;

public sealed class MonitorUnitSpecs
{
    [Theory]
    [InlineData("127.0.0.1:8222", "127.0.0.1", 8222)]
    [InlineData("localhost:9000", "127.0.0.1", 9000)]
    [InlineData("[::1]:8222", "::1", 8222)]
    public void Monitor_address_parses_host_and_port(string text, string ip, int port)
    {
        var a = MonitorAddress.Parse(text, out var problem);
        Assert.Null(problem);
        Assert.Equal(ip, a!.Ip.ToString());
        Assert.Equal(port, a.Port);
    }

    // The endpoint's address as a browser has it.
    [Theory]
    [InlineData("http://127.0.0.1:48208", "127.0.0.1", 48208)]
    [InlineData("http://127.0.0.1:48208/", "127.0.0.1", 48208)]
    [InlineData("http://[::1]:8222", "::1", 8222)]
    public void Monitor_address_may_be_given_as_an_http_url(string text, string ip, int port)
    {
        var a = MonitorAddress.Parse(text, out var problem);
        Assert.Null(problem);
        Assert.Equal((ip, port), (a!.Ip.ToString(), a.Port));
    }

    [Theory]
    [InlineData(null, "http://127.0.0.1:48202/status", "http://127.0.0.1:48202/")]
    [InlineData(null, "http://127.0.0.1:48202/status/", "http://127.0.0.1:48202/")]
    [InlineData(null, "http://127.0.0.1:48202", "http://127.0.0.1:48202/")]
    [InlineData(null, "http://proxy.example/sb/status", "http://proxy.example/sb/")]
    [InlineData("http://127.0.0.1:48208", null, "http://127.0.0.1:48208/")]
    public void Inspect_reads_status_under_the_endpoint_also_when_the_url_names_status_itself(string? monitor, string? url, string expected)
    {
        Assert.Equal(expected, MonitorInspect.BaseUri(monitor, url, out var problem)?.ToString());
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("8222", "--monitor wants HOST:PORT, e.g. 127.0.0.1:8222 (got '8222')")]
    [InlineData("127.0.0.1:", "HOST:PORT")]
    [InlineData("127.0.0.1:abc", "port must be a number")]
    [InlineData("127.0.0.1:70000", "port must be a number")]
    [InlineData("no-such-host.invalid:8222", "does not resolve")]
    [InlineData("https://127.0.0.1:8222", "http://HOST:PORT")]
    public void Monitor_address_explains_what_is_wrong(string text, string expected)
    {
        Assert.Null(MonitorAddress.Parse(text, out var problem));
        Assert.Contains(expected, problem);
    }

    [Theory]
    [InlineData("dotnet.gc.collections", "switchboard.dotnet.gc.collections")]
    [InlineData("dotnet.assembly.count", "switchboard.dotnet.assemblies.loaded")]
    [InlineData("dotnet.thread_pool.thread.count", "switchboard.dotnet.thread_pool.thread")]
    public void Runtime_metrics_get_the_prefix_and_no_count_suffix(string name, string expected) =>
        Assert.Equal(expected, MonitorEndpoint.RuntimeName(name));

    // A tester's finding: /status said "started":"...T09:41:02.1234567+00:00" in cluster mode (the node's clock) and
    // "...T09:41:02.123+00:00" on a single host (the segment's milliseconds). Both are milliseconds now.
    [Fact]
    public void A_nodes_times_are_shown_to_the_millisecond_in_either_mode()
    {
        var clock = new DateTimeOffset(2026, 12, 7, 9, 41, 2, TimeSpan.Zero).AddTicks(1_234_567);
        var json = System.Text.Json.JsonSerializer.Serialize(new NodeView("127.0.0.1:4053", "up", 1, clock, clock),
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.Contains("\"pid\":1,\"started\":\"2026-12-07T09:41:02.123+00:00\",\"heartbeat\":\"2026-12-07T09:41:02.123+00:00\"", json);
        var cluster = System.Text.Json.JsonSerializer.Serialize(new NodeView("127.0.0.1:4053", "up", 1, clock, null, ["front:x"], true),
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.EndsWith("\"pid\":1,\"started\":\"2026-12-07T09:41:02.123+00:00\",\"heartbeat\":null,\"roles\":[\"front:x\"],\"reachable\":true}", cluster);
    }

    [Fact]
    public void Live_sessions_page_in_name_order_and_remove_only_their_own_entry()
    {
        var sessions = new LiveSessions();
        var now = DateTimeOffset.UtcNow;
        foreach (var n in new[] { "carol", "alice", "bob" }) sessions.Add(new SessionFigures(n, "n:1", now));
        var (page, total) = sessions.Page(1, 1);
        Assert.Equal(3, total);
        Assert.Equal("bob", Assert.Single(page).Name);

        var newer = new SessionFigures("alice", "n:1", now);
        sessions.Add(newer);
        sessions.Remove(new SessionFigures("alice", "n:1", now)); // an older session of the same name ending
        Assert.Same(newer, sessions.Page(0, 10).Page[0]);
    }

    // An operator's finding: inspect --monitor showed the members and the totals but not the data store /status names
    // (where it is, its size, whether it fails), and a node whose store failed read "unavailable" though it served.
    [Theory]
    [InlineData("""{"kind":"sqlite","directory":"/d","file":"/d/switchboard.db","synchronous":"normal","bytes":106672,"freeBytes":80488767488}""", "ok",
        new[] { "data store", "sqlite", "/d/switchboard.db", "normal", "106,672", "80,488,767,488", "ok" })]
    [InlineData("""{"kind":"postgresql","host":"db.example","port":5432,"database":"sb","user":"switch"}""", "degraded",
        new[] { "data store", "postgresql", "switch@db.example:5432/sb", "failing", "degraded: the data store failed 2 s ago" })]
    [InlineData("""{"kind":"none"}""", "ok", new[] { "data store", "none" })]
    public void Inspect_monitor_shows_the_data_store_as_status_says_it(string store, string status, string[] expected)
    {
        var reason = status == "ok" ? "null" : "\"the data store failed 2 s ago: disk I/O error\"";
        var json = System.Text.Json.JsonDocument.Parse(
            """{"node":"127.0.0.1:4953","version":"1.0.0","mode":"single-host","store":""" + store + $$""","status":"{{status}}","reason":{{reason}},""" +
            """ "nodes":[{"address":"127.0.0.1:4953","state":"up","pid":19486}],"clients":{"online":0,"onThisNode":0},""" +
            """ "totals":{"serverSeq":11,"requests":9,"registrations":2} }""").RootElement;
        var writer = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
            { Out = new Spectre.Console.AnsiConsoleOutput(writer), Ansi = Spectre.Console.AnsiSupport.No });
        console.Profile.Width = 200;
        console.Write(MonitorInspect.Render(json));
        var text = writer.ToString();
        Assert.All(expected, e => Assert.Contains(e, text));
        Assert.DoesNotContain("unavailable", text);
    }
}
