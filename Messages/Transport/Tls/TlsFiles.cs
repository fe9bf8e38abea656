using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Switchboard.Messages.Transport.Tls;

/// <summary>A problem with the TLS options or their files: one line for the user, no stack trace.</summary>
public sealed class TlsOptionsException(string message) : Exception(message);

/// <summary>Reads the --tls-cert (PKCS#12, password from the environment; must be private to its owner, see
/// <see cref="SecretFile"/>) and --tls-ca (PEM or DER) files.</summary>
public static class TlsFiles
{
    /// <summary>The PKCS#12 password: from the environment only, never from the command line, never logged.</summary>
    public const string PasswordVariable = "SWITCHBOARD_TLS_PASSWORD";

    public static X509Certificate2 LoadCertificate(string path) => LoadCertificate(path, Environment.GetEnvironmentVariable(PasswordVariable));

    /// <summary>The same with the password given (specs; the programs take it from the environment).</summary>
    public static X509Certificate2 LoadCertificate(string path, string? password)
    {
        if (!File.Exists(path)) throw new TlsOptionsException($"--tls-cert: file not found: {path}");
        if (SecretFile.Exposure(path, "--tls-cert") is { } exposed)
        {
            // Without a password the key inside is plain text: refused like a token file. With one, the key is
            // encrypted and group-readable certificate stores are common (e.g. an ssl-cert group), so refusing would
            // break working deployments: a loud warning instead.
            if (string.IsNullOrEmpty(password)) throw new TlsOptionsException($"{exposed} (no {PasswordVariable}: its key is not encrypted)");
            Console.Error.WriteLine($"warning: {exposed} (its key is protected by {PasswordVariable} alone)");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException)
        {
            throw new TlsOptionsException($"--tls-cert: cannot read {path}: not a PKCS#12 (.pfx) file, or {PasswordVariable} is not its password");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TlsOptionsException($"--tls-cert: cannot read {path}: {ex.Message}");
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new TlsOptionsException($"--tls-cert: {path} holds no private key (export the key with the certificate)");
        }
        return certificate;
    }

    public static X509Certificate2Collection LoadCa(string path)
    {
        if (!File.Exists(path)) throw new TlsOptionsException($"--tls-ca: file not found: {path}");
        var roots = new X509Certificate2Collection();
        try
        {
            if (File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)) roots.ImportFromPemFile(path);
            else roots.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }
        catch (CryptographicException)
        {
            throw new TlsOptionsException($"--tls-ca: cannot read {path}: not a PEM or DER certificate");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TlsOptionsException($"--tls-ca: cannot read {path}: {ex.Message}");
        }
        if (roots.Count == 0) throw new TlsOptionsException($"--tls-ca: {path} holds no certificate");
        return roots;
    }
}
