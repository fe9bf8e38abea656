using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Switchboard.Tests.Server.Hosting;

/// <summary>The cluster store's <c>--db</c> value before any database is asked: a connection string or a private file
/// holding one, refused with one line when malformed or exposed; the password nowhere but in the plugins' settings.
/// A port nothing listens on is the one connection tried here (the real server: <see cref="PostgresStoreServerSpecs"/>).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PostgresStoreSpecs : IDisposable
{
    private const string Password = "pw-7f3a91";
    private const string Connection = $"Host=db.example;Port=6543;Database=chat;Username=sb;Password={Password}";
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-pgstore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PostgresStore? Open(string value, out string? problem)
    {
        var store = PostgresStore.Open(value, ActorTestConfig.Server(), out problem, out var exit);
        Assert.Equal(store is null ? 2 : 0, exit); // every refusal before a connection is a bad option or file
        Assert.Equal(store is null, problem is not null);
        return store;
    }

    private string File(string content, UnixFileMode mode = Private)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        System.IO.File.WriteAllText(path, content);
        System.IO.File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void A_connection_string_names_the_database_and_goes_to_the_journal_snapshots_and_queries()
    {
        var store = Open(Connection, out _)!;
        Assert.Equal(("db.example", 6543, "chat", "sb"), (store.Host, store.Port, store.Database, store.User));
        Assert.Equal("postgresql://sb@db.example:6543/chat", store.Url);
        foreach (var plugin in new[] { "journal.sql", "snapshot-store.sql", "query.journal.sql" })
        {
            var section = store.Hocon.GetConfig($"akka.persistence.{plugin}");
            Assert.Contains($"Password={Password}", section.GetString("connection-string"));
            Assert.Contains("Application Name=switchboard", section.GetString("connection-string"));
            Assert.Equal(PostgresStore.ProviderName, section.GetString("provider-name"));
            Assert.Equal("postgresql", section.GetString("table-mapping"));
        }
        Assert.True(store.Hocon.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.True(store.Hocon.GetBoolean("akka.persistence.snapshot-store.sql.auto-initialize"));
    }

    // Akka.Persistence's own defaults wait 30 s (journal) and 60 s (snapshot store, read at every login) before they try
    // the database again; with PostgreSQL back, a node refused every login for a minute while the others served.
    [Fact]
    public void The_journal_and_snapshot_store_try_the_database_again_within_5_s_of_their_breaker_opening()
    {
        var store = Open(Connection, out _)!;
        var config = store.Hocon.WithFallback(Akka.Persistence.Persistence.DefaultConfig());
        // As Akka.Persistence reads a plugin's settings: its own section over its kind's fallback.
        foreach (var (plugin, fallback) in new[] { ("journal.sql", "journal-plugin-fallback"), ("snapshot-store.sql", "snapshot-store-plugin-fallback") })
        {
            var section = config.GetConfig($"akka.persistence.{plugin}").WithFallback(config.GetConfig($"akka.persistence.{fallback}"));
            var reset = section.GetTimeSpan("circuit-breaker.reset-timeout", null);
            Assert.True(reset > TimeSpan.Zero && reset <= TimeSpan.FromSeconds(5), $"{plugin}: {reset}");
        }
    }

    [Fact]
    public void A_private_file_gives_the_same_store_from_its_first_line()
    {
        var fromFile = Open(File(Connection + "\n# the first line only\n"), out _)!;
        var fromString = Open(Connection, out _)!;
        Assert.Equal(fromString.Url, fromFile.Url);
        Assert.Equal(fromString.Hocon.GetString("akka.persistence.journal.sql.connection-string"),
            fromFile.Hocon.GetString("akka.persistence.journal.sql.connection-string"));
    }

    [Theory]
    [InlineData(Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(Private | UnixFileMode.GroupRead, "0640")]
    public void A_file_open_to_other_users_is_refused_with_its_mode_and_the_fix(UnixFileMode mode, string octal)
    {
        var path = File(Connection, mode);
        Assert.Null(Open(path, out var problem));
        Assert.Equal($"database connection file {path} is mode {octal}, open to other users; make it private: chmod 600 {path}", problem);
    }

    [Fact]
    public void A_file_of_another_user_is_refused()
    {
        if (ProcessInfo.EffectiveUid() != 0) return; // only root can give a file away; anyone else cannot read one of another's 0600
        var path = File(Connection);
        using (var chown = Process.Start("chown", ["65534", path])) chown.WaitForExit();
        Assert.Null(Open(path, out var problem));
        Assert.Equal($"database connection file {path} belongs to uid 65534, not to this user; refusing it", problem);
    }

    [Fact]
    public void A_missing_or_empty_file_is_refused_saying_what_db_takes()
    {
        var missing = Path.Combine(_dir, "nope");
        Assert.Null(Open(missing, out var problem));
        Assert.StartsWith($"cannot read database connection file {missing}: ", problem);
        Assert.EndsWith("(--db takes a connection string or the file holding one)", problem);

        var empty = File("\n");
        Assert.Null(Open(empty, out problem));
        Assert.StartsWith($"database connection file {empty} is empty", problem);
    }

    [Theory]
    [InlineData($"Host=h;Database=d;Username=u;Pasword={Password}", "--db is not a PostgreSQL connection string (")]
    [InlineData($"Host=h;Port=many;Database=d;Username=u;Password={Password}", "--db is not a PostgreSQL connection string (")]
    [InlineData($"Host=h;Username=u;Password={Password}", "--db has no Database; e.g. Host=")]
    [InlineData($"Database=d;Password={Password}", "--db has no Host, Username; e.g. Host=")]
    public void A_malformed_connection_string_is_refused_without_echoing_it(string value, string expected)
    {
        Assert.Null(Open(value, out var problem));
        Assert.StartsWith(expected, problem);
        Assert.DoesNotContain(Password, problem);
    }

    [Fact]
    public void A_malformed_string_in_a_file_is_named_by_its_file()
    {
        var path = File("Host=h;Username=u");
        Assert.Null(Open(path, out var problem));
        Assert.StartsWith($"the connection string in {path} has no Database", problem);
    }

    [Fact]
    public void The_password_is_never_in_status_url_or_log_line()
    {
        var store = Open(Connection, out _)!;
        var status = JsonSerializer.Serialize(store.Status);
        Assert.Equal("""{"kind":"postgresql","host":"db.example","port":6543,"database":"chat","user":"sb"}""", status);
        Assert.Equal("PostgreSQL postgresql://sb@db.example:6543/chat", store.ToString());
        foreach (var shown in new[] { status, store.ToString(), store.Url })
            Assert.DoesNotContain(Password, shown);
    }

    [Fact]
    public async Task A_port_nothing_listens_on_is_one_line_naming_the_store_without_its_password()
    {
        var port = FreePorts.Next("127.0.0.1");
        var store = Open($"Host=127.0.0.1;Port={port};Database=chat;Username=sb;Password={Password}", out _)!;
        var problem = await store.CheckReachableAsync(TimeSpan.FromSeconds(5).Scaled());
        Assert.Equal($"the data store postgresql://sb@127.0.0.1:{port}/chat is unreachable: Connection refused", problem);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_unreachable_once_the_timeout_passes()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0); // the kernel completes the handshake; nobody answers
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var store = Open($"Host=127.0.0.1;Port={port};Database=chat;Username=sb;Password={Password}", out _)!;
        Assert.Equal($"the data store postgresql://sb@127.0.0.1:{port}/chat is unreachable: no answer within 1 s",
            await store.CheckReachableAsync(TimeSpan.FromSeconds(1)));
    }
}
