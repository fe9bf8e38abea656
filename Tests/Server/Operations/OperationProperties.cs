using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using FsGen = FsCheck.FSharp.Gen;

namespace Switchboard.Tests.Server.Operations;

/// <summary>A value in [−100, 10^7]: small enough for a trial-division reference.</summary>
public readonly record struct Small(long Value);

/// <summary>A product of two or three primes (at least one small), so composite by construction, that fits in a long.</summary>
public readonly record struct SmallFactorComposite(long Value, long[] Factors)
{
    public override string ToString() => $"{Value} = {string.Join(" × ", Factors)}";
}

/// <summary>A prime below 2^32 found by trial division, for products of two large primes.</summary>
public readonly record struct LargePrime(long Value);

/// <summary>Generators: full-range 64-bit values biased toward edges, and the prime test inputs above.</summary>
public static class OperationArbitraries
{
    private static readonly long[] Edges =
        [long.MinValue, long.MinValue + 1, -4611686018427387904, -3037000500, -2, -1, 0, 1, 2, 3037000500, 4611686018427387904, long.MaxValue - 1, long.MaxValue];

    private static readonly long[] SmallPrimes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 97, 101, 65521, 65537, 1000003];

    public static Arbitrary<long> Int64() =>
        Gen.Frequency(
            (4, FsGen.Choose64(long.MinValue, long.MaxValue)),
            (2, FsGen.Choose64(-(1L << 32), 1L << 32)),
            (2, FsGen.Choose64(-1000, 1000)),
            (2, Gen.Elements(Edges)),
            // Values near the square root of 2^63 make multiplication straddle the overflow boundary.
            (2, FsGen.Choose64(-3037000600, 3037000600).Select(v => v % 2 == 0 ? v : 3037000499 + v % 100))).ToArbitrary();

    public static Arbitrary<Small> Small() =>
        Gen.Frequency(
            (1, FsGen.Choose64(-100, 1000).Select(v => new Small(v))),
            (3, FsGen.Choose64(-100, 10_000_000).Select(v => new Small(v)))).ToArbitrary();

    public static Arbitrary<LargePrime> LargePrime() =>
        FsGen.Choose64(1L << 20, uint.MaxValue).Select(v => new LargePrime(Reference.NextPrime(v))).ToArbitrary();

    public static Arbitrary<SmallFactorComposite> SmallFactorComposite() =>
        (from p in Gen.Elements(SmallPrimes)
         from q in Gen.OneOf(Gen.Elements(SmallPrimes), FsGen.Choose64(2, 1L << 40).Select(Reference.NextPrime))
         from r in Gen.OneOf(Gen.Constant(1L), Gen.Elements(SmallPrimes), FsGen.Choose64(2, 1L << 30).Select(Reference.NextPrime))
         let product = (Int128)p * q * r
         where product <= long.MaxValue
         select new SmallFactorComposite((long)product, r == 1 ? [p, q] : [p, q, r])).ToArbitrary();
}

/// <summary>Slow but obviously correct references.</summary>
public static class Reference
{
    public static bool IsPrimeByTrialDivision(long n)
    {
        if (n < 2) return false;
        if (n < 4) return true;
        if (n % 2 == 0) return false;
        for (long d = 3; d * d <= n; d += 2)
            if (n % d == 0) return false;
        return true;
    }

    /// <summary>The smallest prime ≥ n (n ≤ ~2^40, so trial division stays cheap).</summary>
    public static long NextPrime(long n)
    {
        while (!IsPrimeByTrialDivision(n)) n++;
        return n;
    }

    public static OpOutcome FromWide(BigInteger exact) =>
        exact >= long.MinValue && exact <= long.MaxValue ? OpOutcome.Ok(OpValue.Of((long)exact)) : OpOutcome.Invalid("overflow");

    public static OpOutcome FromWide(Int128 exact) => FromWide((BigInteger)exact);
}

/// <summary>Property-based specifications: every operation agrees with a wide-integer or trial-division reference.</summary>
[Properties(Arbitrary = [typeof(OperationArbitraries)], MaxTest = 1000)]
public sealed class OperationProperties
{
    private static OpOutcome Run(IOperation op, params long[] args) => op.Evaluate(args);

    [Property]
    public bool Add_equals_the_Int128_sum_or_is_overflow(long a, long b) =>
        Run(new AddOperation(), a, b) == Reference.FromWide((Int128)a + b);

    [Property]
    public bool Sub_equals_the_Int128_difference_or_is_overflow(long a, long b) =>
        Run(new SubOperation(), a, b) == Reference.FromWide((Int128)a - b);

    [Property]
    public bool Mul_equals_the_BigInteger_product_or_is_overflow(long a, long b) =>
        Run(new MulOperation(), a, b) == Reference.FromWide(new BigInteger(a) * b);

    [Property]
    public bool Div_equals_the_truncated_BigInteger_quotient_or_fails(long a, long b) =>
        Run(new DivOperation(), a, b) == (b == 0 ? OpOutcome.Invalid("division by zero") : Reference.FromWide(BigInteger.Divide(a, b)));

    [Property]
    public bool Mod_equals_the_BigInteger_remainder_with_the_dividends_sign(long a, long b) =>
        Run(new ModOperation(), a, b) == (b == 0 ? OpOutcome.Invalid("division by zero") : Reference.FromWide(BigInteger.Remainder(a, b)));

    [Property]
    public bool Div_and_mod_reconstruct_the_dividend(long a, long b)
    {
        var q = Run(new DivOperation(), a, b);
        var r = Run(new ModOperation(), a, b);
        if (b == 0) return !q.IsOk && !r.IsOk;
        if (!q.IsOk) return a == long.MinValue && b == -1 && r == OpOutcome.Ok(OpValue.Of(0L));
        return (Int128)q.Value.Number * b + r.Value.Number == a
            && (r.Value.Number == 0 || Math.Sign(r.Value.Number) == Math.Sign(a))
            && BigInteger.Abs(r.Value.Number) < BigInteger.Abs(b);
    }

    [Property]
    public bool Even_agrees_with_BigInteger_parity(long n) =>
        Run(new EvenOperation(), n).Value.Text == (BigInteger.Remainder(n, 2).IsZero ? "even" : "odd");

    [Property]
    public bool Negative_agrees_with_comparison(long n) => Run(new NegativeOperation(), n).Value.Flag == (n < 0);

    [Property]
    public bool Prime_agrees_with_trial_division_below_ten_million(Small n) =>
        PrimeOperation.IsPrime(n.Value) == Reference.IsPrimeByTrialDivision(n.Value);

    [Property]
    public bool Prime_is_false_for_small_factor_composites(SmallFactorComposite c) => !PrimeOperation.IsPrime(c.Value);

    [Property]
    public bool Prime_is_true_for_trial_division_primes_below_two_to_the_32(LargePrime p) => PrimeOperation.IsPrime(p.Value);

    [Property]
    public bool Prime_is_false_for_products_of_two_large_primes(LargePrime p, LargePrime q)
    {
        Int128 product = (Int128)p.Value * q.Value;
        return product > long.MaxValue || !PrimeOperation.IsPrime((long)product);
    }

    [Property]
    public bool Prime_is_never_true_for_negatives_or_even_numbers_above_two(long n) =>
        !PrimeOperation.IsPrime(n) || (n >= 2 && (n == 2 || n % 2 != 0));

    [Property]
    public bool Registry_parses_the_invariant_decimal_text_of_every_long(long a, long b)
    {
        var outcome = OperationRegistry.Default.Execute("sub",
            [a.ToString(System.Globalization.CultureInfo.InvariantCulture), b.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return outcome == Run(new SubOperation(), a, b);
    }
}
