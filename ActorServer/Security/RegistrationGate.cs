using Switchboard.Messages;
using Switchboard.Server.Settings;
using Switchboard.Server.Throttling;

namespace Switchboard.Server.Security;

/// <summary>
/// Who may register now: the token (when one is required), the node's registration rate, the live registrations of
/// one address, and the penalty of a host that keeps presenting wrong tokens. Pure bookkeeping over an injected
/// clock, owned by the gateway; every refusal carries its code.
/// </summary>
public sealed class RegistrationGate
{
    /// <summary>Hosts remembered for their failures; past this the oldest are forgotten (memory stays bounded).</summary>
    public const int MaxTrackedHosts = 1024;

    private readonly RegistrationSettings _settings;
    private readonly TokenCheck _token;
    private readonly TimeProvider _clock;
    private readonly RequestThrottle _rate;
    private readonly Dictionary<string, int> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Failures, long Until)> _failures = new(StringComparer.Ordinal);

    public RegistrationGate(RegistrationSettings settings, TokenCheck token, TimeProvider clock)
    {
        _settings = settings;
        _token = token;
        _clock = clock;
        _rate = new RequestThrottle(settings.PerSecond, settings.Burst, clock);
    }

    /// <summary>Null when the registration may go ahead (and is then counted against the rate), else the refusal.</summary>
    /// <param name="address">The client system's address (what a session will talk to).</param>
    /// <param name="host">The client's host, for the token penalty.</param>
    public (int Code, string Error)? Check(string address, string host, string? token)
    {
        var now = _clock.GetTimestamp();
        if (_token.Required)
        {
            if (_failures.TryGetValue(host, out var f) && f.Until > now)
                return (Codes.RateLimited, "too many wrong tokens from this host; wait and try again");
            if (!_token.Accepts(token))
            {
                Fail(host, now);
                return (Codes.Unauthorized, "a valid token is required to register");
            }
            _failures.Remove(host);
        }
        if (_live.GetValueOrDefault(address) >= _settings.PerAddress)
            return (Codes.RateLimited, $"this client already holds {_settings.PerAddress} names");
        if (_rate.Admit() != RateVerdict.Allowed)
            return (Codes.RateLimited, "too many registrations right now; try again shortly");
        return null;
    }

    public void Admitted(string address) => _live[address] = _live.GetValueOrDefault(address) + 1;

    public void Left(string address)
    {
        if (!_live.TryGetValue(address, out var n)) return;
        if (n <= 1) _live.Remove(address);
        else _live[address] = n - 1;
    }

    public int LiveAt(string address) => _live.GetValueOrDefault(address);

    /// <summary>Hosts whose wrong tokens are remembered.</summary>
    public int TrackedHosts => _failures.Count;

    private void Fail(string host, long now)
    {
        var failures = _failures.GetValueOrDefault(host).Failures + 1;
        var until = now;
        if (failures >= _settings.FailuresBeforePenalty)
        {
            var seconds = Math.Min(_settings.FirstPenalty.TotalSeconds * Math.Pow(2, failures - _settings.FailuresBeforePenalty), _settings.MaxPenalty.TotalSeconds);
            until = now + (long)(seconds * _clock.TimestampFrequency);
        }
        if (!_failures.ContainsKey(host) && _failures.Count >= MaxTrackedHosts) Forget(now);
        _failures[host] = (failures, until);
    }

    // Expired penalties first; if every one is current, the one that ends soonest.
    private void Forget(long now)
    {
        foreach (var (h, f) in _failures)
            if (f.Until <= now) _failures.Remove(h);
        if (_failures.Count >= MaxTrackedHosts) _failures.Remove(_failures.MinBy(kv => kv.Value.Until).Key);
    }
}
