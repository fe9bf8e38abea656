namespace Switchboard.Client.Hosting;

/// <summary>
/// A scripted client lives about half a second, most of it the runtime loading types and preparing code the
/// first time each path runs, on one core while the other waits. This walks, on a background thread, the paths
/// the main thread reaches later: during the actor system's start, Akka's app.config lookup, the HOCON time-span
/// parser and DotNetty's buffers and bootstraps; after it, the protobuf serializer, the command parser and the
/// output writer. It changes no state anyone reads: the results are thrown away.
/// </summary>
internal static class StartupWarmup
{
    public static void Begin()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "startup-warmup", Priority = ThreadPriority.BelowNormal };
        thread.Start();
    }

    private static void Run()
    {
        try
        {
            // ActorSystem.Create always asks System.Configuration for an <akka> section; it caches what it read.
            Akka.Configuration.ConfigurationFactory.Load();
            Akka.Configuration.ConfigurationFactory.ParseString("a = 5s\nb { c = [x] }").GetTimeSpan("a");
            // The transport's buffers and bootstraps (Akka.Remote builds them on another thread while the start waits).
            DotNetty.Buffers.UnpooledByteBufferAllocator.Default.Buffer(64).WriteInt(1).Release();
            _ = new DotNetty.Transport.Bootstrapping.ServerBootstrap().Option(DotNetty.Transport.Channels.ChannelOption.TcpNodelay, true);
            _ = new DotNetty.Transport.Bootstrapping.Bootstrap().Option(DotNetty.Transport.Channels.ChannelOption.TcpNodelay, true);
            // The serializer needs its system only to resolve actor paths, which these messages have none of.
            var serializer = new SwitchboardSerializer(null!);
            var request = new Request(1, "calc", ["1", "+", "1"]);
            serializer.FromBinary(serializer.ToBinary(request), serializer.Manifest(request));
            var reply = new Reply(1, Codes.Ok, 2, 3, OpValue.Of(2L), null);
            serializer.FromBinary(serializer.ToBinary(reply), serializer.Manifest(reply));
            serializer.ToBinary(new Register("warmup"));
            serializer.ToBinary(new Unregister(2));
            var json = new Output(TextWriter.Null, json: true);
            var plain = new Output(TextWriter.Null, json: false);
            if (CommandParser.Parse("calc 1 + 1") is WireCommand c)
            {
                json.Reply(c.Name, reply);
                plain.Reply(c.Name, reply);
            }
            json.Local("exit", Codes.Ok, null);
        }
        catch (Exception)
        {
            // Only a head start: whatever failed here runs for real later and reports there.
        }
    }
}
