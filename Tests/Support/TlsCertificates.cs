using System.Diagnostics;
using System.Security.Cryptography;

namespace Switchboard.Tests.Support;

/// <summary>
/// Throwaway certificates made with the recipe of tls-certs.sh and docs/security.md (openssl) in a temp dir: a CA with a
/// server and a client certificate, and a second "rogue" CA with its own. The .pfx password is random and handed
/// to the child processes through SWITCHBOARD_TLS_PASSWORD, as a user would. Removed on dispose.
/// </summary>
public sealed class TlsCertificates : IDisposable
{
    public TlsCertificates()
    {
        Dir = Directory.CreateTempSubdirectory("sbtls-").FullName;
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        // Inherited by every ActorServer/ActorClient the specs start.
        Environment.SetEnvironmentVariable("SWITCHBOARD_TLS_PASSWORD", Password);
        try
        {
            Make(Path.Combine(Dir, "good"), "Switchboard Test CA");
            Make(Path.Combine(Dir, "rogue"), "Rogue CA");
            // Trusts both CAs: lets a rogue client through its own start check so that the server is the one refusing it.
            File.WriteAllText(RogueBundle, File.ReadAllText(Ca) + File.ReadAllText(RogueCa));
            // The server's certificate under another password: SWITCHBOARD_TLS_PASSWORD is then the wrong one.
            using var server = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(ServerPfx, Password,
                System.Security.Cryptography.X509Certificates.X509KeyStorageFlags.Exportable);
            File.WriteAllBytes(OtherPasswordPfx, server.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "another-" + Password));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(OtherPasswordPfx, UnixFileMode.UserRead | UnixFileMode.UserWrite); // a key file: private, as the programs expect
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Dir { get; }
    public string Password { get; }
    public string Ca => Path.Combine(Dir, "good", "ca.pem");
    public string ServerPfx => Path.Combine(Dir, "good", "server.pfx");
    public string ClientPfx => Path.Combine(Dir, "good", "client.pfx");
    public string RogueCa => Path.Combine(Dir, "rogue", "ca.pem");
    public string RogueClientPfx => Path.Combine(Dir, "rogue", "client.pfx");
    public string RogueBundle => Path.Combine(Dir, "both-cas.pem");
    public string OtherPasswordPfx => Path.Combine(Dir, "other-password.pfx");

    public string[] Server(params string[] extra) => ["--tls-cert", ServerPfx, "--tls-ca", Ca, .. extra];
    public string[] Client => ["--tls-cert", ClientPfx, "--tls-ca", Ca];

    private void Make(string dir, string caName)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(RepoRoot.Find(), "tls-certs.sh"));
        psi.ArgumentList.Add(dir);
        psi.ArgumentList.Add(caName);
        psi.Environment["SWITCHBOARD_TLS_PASSWORD"] = Password;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) p.Kill();
        if (p.ExitCode != 0) throw new InvalidOperationException($"tls-certs.sh failed ({p.ExitCode}): {err.Result}");
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
