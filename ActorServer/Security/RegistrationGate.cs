namespace Switchboard.Server.Security;

/// <summary>
/// Who may register now: the token (when one is required), the node's registration rate, the live registrations of
/// one address, and the penalty of a host that keeps presenting wrong tokens. Pure bookkeeping over an injected
/// clock, owned by the gateway; every refusal carries its code.
/// <para>The host is the one the server's socket saw (<see cref="PeerAddresses"/>), never one a peer wrote. Each
/// evaluated token is one guess, and an answer of any kind to it tells the guesser whether it was right; so a guess is
/// slowed only by not evaluating it. A penalised host's tokens are refused unevaluated, the right one too (accepting it
/// would make the penalty no limit at all). Hosts cost an attacker little (a cloud's addresses, an IPv6 range), so the
/// node also has one budget of wrong tokens for all hosts together (a token bucket): once it is spent, the tokens of
/// every host without a recent right token are refused (429) unevaluated until it refills. Guesses from many hosts are
/// then bounded by that one rate, as from one host. A host that presented the right token (the
/// <see cref="MaxTrackedHosts"/> that did so most recently) is exempt from the node budget, only its own penalty
/// applies: clients who registered before an attack go on being served during it, and a guesser sharing such a host
/// guesses at that one host's pace. A newcomer waits while an attack from many hosts lasts: the price of not letting
/// the attack guess at will, since nothing a newcomer sends before its token is evaluated tells it from a guesser.</para>
/// </summary>
public sealed class RegistrationGate
{
    /// <summary>Hosts remembered for their failures; past this the oldest are forgotten (memory stays bounded).</summary>
    public const int MaxTrackedHosts = Penalties.MaxTracked;

    private readonly RegistrationSettings _settings;
    private readonly TokenCheck _token;
    private readonly TimeProvider _clock;
    private readonly RequestThrottle _rate;
    private readonly Dictionary<string, int> _live = new(StringComparer.Ordinal);
    // Live registrations per host, and each admitted address's host (its socket's, remembered: at its end the
    // connection may be gone).
    private readonly Dictionary<string, int> _liveOnHost = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _hostOf = new(StringComparer.Ordinal);
    private readonly HostBudget _hostRate;
    private readonly Penalties _failures;
    // Hosts that presented the right token, with when they last did: exempt from the node budget.
    private readonly Dictionary<string, long> _vouched = new(StringComparer.Ordinal);
    private readonly TokenBucket _nodeFailures;
    private readonly long _start;

    public RegistrationGate(RegistrationSettings settings, TokenCheck token, TimeProvider clock)
    {
        _settings = settings;
        _token = token;
        _clock = clock;
        _rate = new RequestThrottle(settings.PerSecond, settings.Burst, clock);
        _hostRate = new HostBudget(settings.PerHostPerSecond * 3600, settings.PerHostBurst, clock);
        _start = clock.GetTimestamp();
        _nodeFailures = new TokenBucket(settings.NodeFailuresPerSecond, settings.NodeFailureBurst, 0);
        _failures = new Penalties(settings.FailuresBeforePenalty, settings.FirstPenalty, settings.MaxPenalty, clock);
    }

    /// <summary>Says how to give one, as a reserved name's refusal names --password-file (a new user read only "a valid
    /// token is required to register" and had to look up how).</summary>
    public const string TokenRequired =
        "a valid token is required to register: give the server's token with --token-file F (first line, mode 0600) or SWITCHBOARD_TOKEN";

    /// <summary>Null when the registration may go ahead (and is then counted against the rate), else the refusal.</summary>
    /// <param name="address">The client system's address (what a session will talk to).</param>
    /// <param name="host">The client's host as the server's socket saw it, for the token penalties.</param>
    public (int Code, string Error)? Check(string address, string host, string? token)
    {
        var now = _clock.GetTimestamp();
        if (_token.Required)
        {
            if (_failures.Remaining(host) is var wait && wait > TimeSpan.Zero)
                return (Codes.RateLimited, $"too many wrong tokens from this host; {Penalties.TryAgainIn(wait)}");
            var vouched = _vouched.ContainsKey(host);
            var elapsed = _clock.GetElapsedTime(_start).Ticks;
            if (!vouched && !_nodeFailures.CanTake(elapsed))
                return (Codes.RateLimited, "too many wrong tokens on this node; wait and try again");
            if (!_token.Accepts(token))
            {
                _failures.Failed(host);
                if (!vouched) _nodeFailures.TryTake(elapsed);
                return (Codes.Unauthorized, TokenRequired);
            }
            _failures.Succeeded(host);
            Vouch(host, now);
        }
        if (_live.GetValueOrDefault(address) >= _settings.PerAddress)
            return (Codes.RateLimited, $"this client already holds {_settings.PerAddress} names");
        // One host's share, whatever number of client systems it runs: the name table and the node's rate are everyone's.
        if (_settings.PerHost > 0 && _liveOnHost.GetValueOrDefault(host) >= _settings.PerHost)
            return (Codes.RateLimited, $"this host already holds {_settings.PerHost} names");
        if (!_hostRate.CanTake(host))
            return (Codes.RateLimited, "too many registrations from this host right now; try again shortly");
        if (_rate.Admit() != RateVerdict.Allowed)
            return (Codes.RateLimited, "too many registrations right now; try again shortly");
        _hostRate.Take(host);
        return null;
    }

    /// <param name="host">The host its socket saw, as given to <see cref="Check"/>.</param>
    public void Admitted(string address, string host)
    {
        _live[address] = _live.GetValueOrDefault(address) + 1;
        _hostOf[address] = host;
        _liveOnHost[host] = _liveOnHost.GetValueOrDefault(host) + 1;
    }

    public void Left(string address)
    {
        if (!_live.TryGetValue(address, out var n)) return;
        if (n <= 1) _live.Remove(address);
        else _live[address] = n - 1;
        if (!_hostOf.TryGetValue(address, out var host)) return;
        if (n <= 1) _hostOf.Remove(address);
        if (!_liveOnHost.TryGetValue(host, out var m)) return;
        if (m <= 1) _liveOnHost.Remove(host);
        else _liveOnHost[host] = m - 1;
    }

    public int LiveOnHost(string host) => _liveOnHost.GetValueOrDefault(host);

    public int LiveAt(string address) => _live.GetValueOrDefault(address);

    /// <summary>Hosts whose wrong tokens are remembered.</summary>
    public int TrackedHosts => _failures.Tracked;

    /// <summary>Hosts exempt from the node budget (they presented the right token).</summary>
    public int VouchedHosts => _vouched.Count;

    private void Vouch(string host, long now)
    {
        // The one heard from longest ago makes room: memory stays bounded whatever the number of clients.
        if (!_vouched.ContainsKey(host) && _vouched.Count >= MaxTrackedHosts) _vouched.Remove(_vouched.MinBy(kv => kv.Value).Key);
        _vouched[host] = now;
    }
}
