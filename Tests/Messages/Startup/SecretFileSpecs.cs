using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Switchboard.Tests.Messages.Startup;

/// <summary>Secret files open to other users: refused (token, cluster secret, an unencrypted key), accepted when 0600.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretFileSpecs : IDisposable
{
    const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    readonly string _dir = Directory.CreateTempSubdirectory("sbsecret-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(Private | UnixFileMode.GroupRead, "0640")]
    [InlineData(Private | UnixFileMode.OtherWrite, "0602")]
    public void A_file_open_to_other_users_is_refused_with_its_mode_and_the_fix(UnixFileMode mode, string octal)
    {
        var path = Write("s3cret-token", mode);
        Assert.Equal($"token file {path} is mode {octal}, open to other users; make it private: chmod 600 {path}", SecretFile.Exposure(path, "token file"));

        Assert.Null(TokenSource.Read(path, out var problem));
        Assert.Equal($"token file {path} is mode {octal}, open to other users; make it private: chmod 600 {path}", problem);
        Assert.Null(TokenSource.Read(path, "SB_SPEC_UNSET_VARIABLE", "cluster secret", out problem));
        Assert.StartsWith($"cluster secret file {path} is mode {octal}", problem);
        Assert.Equal(mode, File.GetUnixFileMode(path)); // reported, not chmod'ed behind the user's back
    }

    [Theory]
    [InlineData(Private)]
    [InlineData(UnixFileMode.UserRead)]
    [InlineData(Private | UnixFileMode.UserExecute)]
    public void A_file_only_its_owner_may_read_is_accepted(UnixFileMode mode)
    {
        var path = Write("s3cret-token", mode);
        Assert.Null(SecretFile.Exposure(path, "token file"));
        Assert.Equal("s3cret-token", TokenSource.Read(path, out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void An_unencrypted_key_open_to_other_users_is_refused_an_encrypted_one_only_warned_about()
    {
        using var key = RSA.Create(2048);
        using var cert = new CertificateRequest("CN=spec", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        var plain = Path.Combine(_dir, "plain.pfx");
        File.WriteAllBytes(plain, cert.Export(X509ContentType.Pkcs12));
        File.SetUnixFileMode(plain, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var refused = Assert.Throws<TlsOptionsException>(() => TlsFiles.LoadCertificate(plain, null));
        Assert.Contains($"is mode 0644, open to other users; make it private: chmod 600 {plain}", refused.Message);

        File.SetUnixFileMode(plain, Private);
        using (var loaded = TlsFiles.LoadCertificate(plain, null)) Assert.True(loaded.HasPrivateKey);

        var encrypted = Path.Combine(_dir, "encrypted.pfx");
        File.WriteAllBytes(encrypted, cert.Export(X509ContentType.Pkcs12, "pw-for-spec"));
        File.SetUnixFileMode(encrypted, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (var loaded = TlsFiles.LoadCertificate(encrypted, "pw-for-spec")) Assert.True(loaded.HasPrivateKey); // a warning on stderr
    }

    [Fact]
    public void The_segment_node_key_follows_the_same_rule()
    {
        var segment = "sbtest-" + Guid.NewGuid().ToString("N")[..12];
        var path = NodeKey.PathFor(segment);
        File.WriteAllText(path, new string('a', 32));
        try
        {
            File.SetUnixFileMode(path, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            Assert.Contains("readable or writable by other users", Assert.Throws<SegmentException>(() => NodeKey.LoadOrCreate(segment)).Message);
            File.SetUnixFileMode(path, Private);
            Assert.Equal(new string('a', 32), NodeKey.LoadOrCreate(segment));
        }
        finally
        {
            File.Delete(path);
        }
    }

    string Write(string content, UnixFileMode mode)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, content + "\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    // .NET's own words ("Could not find file '/x'.") quoted the path again and read as a stack of messages.
    [Fact]
    public void A_missing_secret_file_is_said_in_plain_words()
    {
        var missing = Path.Combine(_dir, "nope");
        Assert.Null(TokenSource.Read(missing, "SB_NO_SUCH_VARIABLE", "password", out var problem));
        Assert.Equal($"cannot read password file {missing}: no such file", problem);
        Assert.Null(TokenSource.Read(Path.Combine(_dir, "no-dir", "f"), "SB_NO_SUCH_VARIABLE", "token", out problem));
        Assert.Equal($"cannot read token file {Path.Combine(_dir, "no-dir", "f")}: no such file", problem);
    }

    [Fact]
    public void A_directory_given_as_a_secret_file_is_said_to_be_one()
    {
        Assert.Null(TokenSource.Read(_dir, "SB_NO_SUCH_VARIABLE", "password", out var problem));
        Assert.Equal($"cannot read password file {_dir}: it is a directory", problem);
    }

}
