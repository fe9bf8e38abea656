namespace Switchboard;

/// <summary>
/// The two tiers of the suite: specs that start real server and client processes carry this trait; the rest (actors,
/// pure logic, serializers, client editing) are the fast tier, <c>./test.sh --fast</c> (<c>--filter Tier!=Process</c>).
/// </summary>
public static class Tiers
{
    public const string Name = "Tier";
    public const string Process = "Process";
}
