namespace Switchboard.Tests.EndToEnd;

/// <summary>
/// The link between two nodes of one segment is not one client's to cut (a hostile tester's finding): a node closed an
/// association whose peer had not taken in <c>switchboard.max-unsent-bytes</c>, node links too, so one client broadcasting
/// large messages as fast as its rate limit allowed, while another node fell behind reading them (busy fanning them out
/// to its many clients; here, deterministically, stopped), had its node cut the link to that node, under everyone.
/// Node links have their own, larger bound, and what clients put on a node link has a bound of its own below it: past
/// that the client's message is refused (503), the link stays.
/// </summary>
[Trait(Tiers.Name, Tiers.Process)]
public sealed class NodeLinkSpecs
{
    [Fact]
    public async Task A_client_flooding_a_node_that_does_not_read_is_refused_and_the_link_between_the_nodes_is_not_cut()
    {
        // Small bounds, so that the flood passes them within a few seconds whatever the machine (the socket buffers,
        // ~1 MB on loopback with server.hocon's send and receive sizes, fill first): the client bound is what closed node
        // links before; the node's own two are below and above it.
        var config = Path.Combine(Directory.CreateTempSubdirectory("sb-nodelink-").FullName, "bounds.hocon");
        await File.WriteAllTextAsync(config, """
            switchboard.max-unsent-bytes = 1 MiB
            switchboard.max-unsent-bytes-node = 8 MiB
            switchboard.max-unsent-bytes-node-chat = 256 KiB
            """);
        var segment = ServerNode.NewSegmentName();
        await using var a = await ServerNode.StartAsync(segment, extra: ["--config", config]);
        await using var b = await ServerNode.StartAsync(segment, extra: ["--config", config]);
        var receivers = new List<ClientSession>();
        try
        {
            for (var i = 0; i < 3; i++) receivers.Add(await b.ConnectAsync($"bea{i}"));
            await using var flood = await a.ConnectAsync("flood", "--pipeline", "32");
            Assert.Equal(200, flood.Registration.GetProperty("code").GetInt32());
            foreach (var r in receivers) Assert.Equal(200, r.Registration.GetProperty("code").GetInt32());

            // The link carries A's broadcasts to B's clients.
            Assert.Equal(200, (await flood.SendAsync("say before")).GetProperty("code").GetInt32());
            foreach (var r in receivers) await r.Process.WaitForLineAsync(l => l.Contains("\"text\":\"before\""), TimeSpan.FromSeconds(20));

            // B stops reading; A's client says 4 KB lines as fast as it may (429s are sent again by the client itself).
            b.Process.Signal(Posix.SIGSTOP);
            using var stopFeeding = new CancellationTokenSource();
            Task feeding;
            try
            {
                var big = new string('x', 4000);
                feeding = Task.Run(async () =>
                {
                    try
                    {
                        for (var i = 0; !stopFeeding.IsCancellationRequested; i++) await flood.Process.WriteLineAsync($"say {big}{i}");
                    }
                    catch (IOException) { } // the client ended (disposed)
                });
                // Either A cuts its link to B (the finding) or A's client is refused: whichever comes first.
                await Eventually.HoldsAsync(() => a.Process.StdErr.Contains("has not taken in") || flood.Process.StdOut.Contains("is not keeping up; message not sent"),
                    TimeSpan.FromSeconds(60), () => $"neither a refusal nor a closed link; A's stderr:\n{a.Process.StdErr}");
                stopFeeding.Cancel();
            }
            finally
            {
                b.Process.Signal(Posix.SIGCONT);
            }
            Assert.DoesNotContain("has not taken in", a.Process.StdErr);
            var refusal = flood.Process.StdOut.Split('\n').First(l => l.Contains("is not keeping up; message not sent"));
            Assert.Contains("\"code\":503", refusal);
            Assert.Contains(b.Address, refusal);

            // The feeder's last line is taken once B answers again.
            await feeding.WaitAsync(TimeSpan.FromSeconds(60).Scaled());

            // B catches up over the same link: a line said now reaches every client of B (sent again while one of them
            // may still be dropping what it has not taken in yet).
            for (var round = 0; ; round++)
            {
                await flood.Process.WriteLineAsync($"say after-{round}");
                try
                {
                    foreach (var r in receivers) await r.Process.WaitForLineAsync(l => l.Contains("\"text\":\"after-"), TimeSpan.FromSeconds(5));
                    break;
                }
                catch (TimeoutException) when (round < 12)
                {
                }
            }
            Assert.DoesNotContain("has not taken in", a.Process.StdErr);
            Assert.DoesNotContain("has not taken in", b.Process.StdErr);
        }
        finally
        {
            foreach (var r in receivers) await r.DisposeAsync();
        }
    }
}
