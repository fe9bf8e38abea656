namespace Switchboard.Messages.Transport.Tls;

/// <summary>The last peer this process refused at the TLS handshake, and why: a client reports it when it cannot connect.</summary>
public sealed class TlsRefusals
{
    private readonly Lock _gate = new();
    private string? _last;

    public void Add(string why)
    {
        lock (_gate) _last = why;
    }

    public string? Last
    {
        get { lock (_gate) return _last; }
    }
}
