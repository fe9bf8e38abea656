namespace Switchboard.Server.Operations;

/// <summary><c>prime n</c>: true iff n is prime; exact for every signed 64-bit value (negatives, 0 and 1 are not prime).</summary>
public sealed class PrimeOperation : IOperation
{
    public string Name => "prime";
    public int Arity => 1;

    public OpOutcome Evaluate(ReadOnlySpan<long> args) => OpOutcome.Ok(OpValue.Of(IsPrime(args[0])));

    // The first twelve primes: as Miller–Rabin witnesses they are deterministic for all n < 3.3 × 10^24,
    // far beyond 2^63; as trial divisors they dispose of most composites cheaply.
    private static ReadOnlySpan<byte> SmallPrimes => [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>Deterministic Miller–Rabin primality test.</summary>
    public static bool IsPrime(long value)
    {
        if (value < 2) return false;
        ulong n = (ulong)value;

        foreach (byte p in SmallPrimes)
        {
            if (n == p) return true;
            if (n % p == 0) return false;
        }
        // No factor ≤ 37, so any n < 41² is prime.
        if (n < 41 * 41) return true;

        // n − 1 = d · 2^s with d odd.
        ulong d = n - 1;
        int s = System.Numerics.BitOperations.TrailingZeroCount(d);
        d >>= s;

        foreach (byte a in SmallPrimes)
        {
            if (!PassesRound(a, d, s, n)) return false;
        }
        return true;
    }

    /// <summary>One Miller–Rabin round: false means <paramref name="a"/> witnesses that n is composite.</summary>
    private static bool PassesRound(ulong a, ulong d, int s, ulong n)
    {
        ulong x = PowMod(a, d, n);
        if (x == 1 || x == n - 1) return true;
        for (int r = 1; r < s; r++)
        {
            x = MulMod(x, x, n);
            if (x == n - 1) return true;
            if (x == 1) return false;
        }
        return false;
    }

    private static ulong PowMod(ulong b, ulong e, ulong m)
    {
        ulong result = 1;
        b %= m;
        while (e != 0)
        {
            if ((e & 1) != 0) result = MulMod(result, b, m);
            b = MulMod(b, b, m);
            e >>= 1;
        }
        return result;
    }

    private static ulong MulMod(ulong a, ulong b, ulong m)
    {
        // Both factors are < m < 2^63, so below 2^32 the product fits in 64 bits.
        if (m <= uint.MaxValue) return a * b % m;
        return (ulong)((UInt128)a * b % m);
    }
}
