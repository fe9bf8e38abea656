namespace Switchboard.Tests.Server.Operations;

/// <summary>Example-based specifications of each operation, with the 64-bit edge values.</summary>
public sealed class OperationSpecs
{
    private static OpOutcome Run(IOperation op, params long[] args) => op.Evaluate(args);

    private static void AssertNumber(long expected, OpOutcome outcome)
    {
        Assert.Equal(Codes.Ok, outcome.Code);
        Assert.Null(outcome.Error);
        Assert.Equal(OpValue.Of(expected), outcome.Value);
    }

    private static void AssertFlag(bool expected, OpOutcome outcome)
    {
        Assert.Equal(Codes.Ok, outcome.Code);
        Assert.Equal(OpValue.Of(expected), outcome.Value);
    }

    private static void AssertInvalid(string error, OpOutcome outcome)
    {
        Assert.Equal(Codes.Invalid, outcome.Code);
        Assert.Equal(error, outcome.Error);
        Assert.Equal(OpValue.None, outcome.Value);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 2, 3)]
    [InlineData(-1, 1, 0)]
    [InlineData(long.MaxValue, 0, long.MaxValue)]
    [InlineData(long.MinValue, 0, long.MinValue)]
    [InlineData(long.MaxValue, long.MinValue, -1)]
    [InlineData(long.MaxValue, -1, long.MaxValue - 1)]
    [InlineData(long.MinValue, 1, long.MinValue + 1)]
    [InlineData(long.MaxValue - 1, 1, long.MaxValue)]
    public void Add_returns_the_sum(long a, long b, long sum) => AssertNumber(sum, Run(new AddOperation(), a, b));

    [Theory]
    [InlineData(long.MaxValue, 1)]
    [InlineData(long.MinValue, -1)]
    [InlineData(long.MaxValue, long.MaxValue)]
    [InlineData(long.MinValue, long.MinValue)]
    [InlineData(1, long.MaxValue)]
    public void Add_overflow_is_422(long a, long b) => AssertInvalid("overflow", Run(new AddOperation(), a, b));

    [Theory]
    [InlineData(5, 3, 2)]
    [InlineData(3, 5, -2)]
    [InlineData(0, long.MaxValue, -long.MaxValue)]
    [InlineData(-1, long.MaxValue, long.MinValue)]
    [InlineData(long.MinValue, -1, long.MinValue + 1)]
    [InlineData(long.MaxValue, long.MaxValue, 0)]
    [InlineData(long.MinValue, long.MinValue, 0)]
    [InlineData(-2, -1, -1)]
    public void Sub_returns_the_difference(long a, long b, long diff) => AssertNumber(diff, Run(new SubOperation(), a, b));

    [Theory]
    [InlineData(0, long.MinValue)]
    [InlineData(long.MinValue, 1)]
    [InlineData(long.MaxValue, -1)]
    [InlineData(-2, long.MaxValue)]
    [InlineData(long.MaxValue, long.MinValue)]
    [InlineData(long.MinValue, long.MaxValue)]
    public void Sub_overflow_is_422(long a, long b) => AssertInvalid("overflow", Run(new SubOperation(), a, b));

    [Theory]
    [InlineData(0, long.MinValue, 0)]
    [InlineData(1, long.MinValue, long.MinValue)]
    [InlineData(-1, long.MaxValue, -long.MaxValue)]
    [InlineData(2, -3, -6)]
    [InlineData(-2, -3, 6)]
    [InlineData(4611686018427387903, 2, long.MaxValue - 1)]
    [InlineData(-4611686018427387904, 2, long.MinValue)]
    [InlineData(3037000499, 3037000499, 9223372030926249001)]
    public void Mul_returns_the_product(long a, long b, long product) => AssertNumber(product, Run(new MulOperation(), a, b));

    [Theory]
    [InlineData(long.MinValue, -1)]
    [InlineData(-1, long.MinValue)]
    [InlineData(long.MaxValue, 2)]
    [InlineData(long.MinValue, 2)]
    [InlineData(4611686018427387904, 2)]
    [InlineData(3037000500, 3037000500)]
    [InlineData(-3037000500, 3037000500)]
    [InlineData(long.MaxValue, long.MaxValue)]
    [InlineData(long.MinValue, long.MinValue)]
    [InlineData(4294967296, 4294967296)]
    public void Mul_overflow_is_422(long a, long b) => AssertInvalid("overflow", Run(new MulOperation(), a, b));

    [Theory]
    [InlineData(7, 2, 3)]
    [InlineData(-7, 2, -3)]
    [InlineData(7, -2, -3)]
    [InlineData(-7, -2, 3)]
    [InlineData(0, -1, 0)]
    [InlineData(long.MaxValue, -1, -long.MaxValue)]
    [InlineData(long.MinValue, 1, long.MinValue)]
    [InlineData(long.MinValue, 2, -4611686018427387904)]
    [InlineData(long.MinValue, long.MinValue, 1)]
    [InlineData(long.MaxValue, long.MinValue, 0)]
    public void Div_truncates_toward_zero(long a, long b, long quotient) => AssertNumber(quotient, Run(new DivOperation(), a, b));

    [Fact]
    public void Div_of_min_value_by_minus_one_is_overflow() =>
        AssertInvalid("overflow", Run(new DivOperation(), long.MinValue, -1));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Division_by_zero_is_422(long a)
    {
        AssertInvalid("division by zero", Run(new DivOperation(), a, 0));
        AssertInvalid("division by zero", Run(new ModOperation(), a, 0));
    }

    [Theory]
    [InlineData(7, 3, 1)]
    [InlineData(-7, 3, -1)]
    [InlineData(7, -3, 1)]
    [InlineData(-7, -3, -1)]
    [InlineData(6, 3, 0)]
    [InlineData(-6, 3, 0)]
    [InlineData(0, 5, 0)]
    [InlineData(long.MaxValue, 2, 1)]
    [InlineData(long.MinValue, 2, 0)]
    [InlineData(long.MinValue, 3, -2)]
    [InlineData(long.MaxValue, long.MinValue, long.MaxValue)]
    [InlineData(long.MinValue, long.MaxValue, -1)]
    [InlineData(long.MinValue, long.MinValue, 0)]
    public void Mod_takes_the_sign_of_the_dividend(long a, long b, long remainder) =>
        AssertNumber(remainder, Run(new ModOperation(), a, b));

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void Mod_by_minus_one_is_zero_even_for_min_value(long a) => AssertNumber(0, Run(new ModOperation(), a, -1));

    [Theory]
    [InlineData(0, "even")]
    [InlineData(1, "odd")]
    [InlineData(2, "even")]
    [InlineData(-1, "odd")]
    [InlineData(-2, "even")]
    [InlineData(-3, "odd")]
    [InlineData(long.MinValue, "even")]
    [InlineData(long.MaxValue, "odd")]
    [InlineData(long.MinValue + 1, "odd")]
    public void Even_answers_even_or_odd_for_negatives_too(long n, string expected)
    {
        var outcome = Run(new EvenOperation(), n);
        Assert.Equal(Codes.Ok, outcome.Code);
        Assert.Equal(OpValue.Of(expected), outcome.Value);
    }

    [Theory]
    [InlineData(long.MinValue, true)]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(long.MaxValue, false)]
    public void Negative_is_true_only_below_zero(long n, bool expected) => AssertFlag(expected, Run(new NegativeOperation(), n));

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MinValue + 1)]
    [InlineData(-9223372036854775783)]
    [InlineData(-7)]
    [InlineData(-2)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void Prime_is_false_for_negatives_zero_and_one(long n) => AssertFlag(false, Run(new PrimeOperation(), n));

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(37)]
    [InlineData(41)]
    [InlineData(1601)]
    [InlineData(1607)]
    [InlineData(65537)]
    [InlineData(2147483647)]                  // 2^31 − 1
    [InlineData(4294967291)]                  // largest prime below 2^32
    [InlineData(4294967311)]                  // smallest prime above 2^32
    [InlineData(1000000007)]
    [InlineData(999999999989)]
    [InlineData(2305843009213693951)]         // 2^61 − 1
    [InlineData(4611686018427387847)]         // largest prime below 2^62
    [InlineData(9223372036854775783)]         // largest prime below 2^63
    [InlineData(9223372036854775643)]
    public void Prime_is_true_for_known_primes(long n) => AssertFlag(true, Run(new PrimeOperation(), n));

    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(1681)]                        // 41²: first square past the small-prime table
    [InlineData(2047)]                        // strong pseudoprime to base 2
    [InlineData(1373653)]                     // strong pseudoprime to bases 2, 3
    [InlineData(25326001)]                    // strong pseudoprime to bases 2, 3, 5
    [InlineData(3215031751)]                  // strong pseudoprime to bases 2, 3, 5, 7
    [InlineData(4294967297)]                  // 2^32 + 1 = 641 × 6700417
    [InlineData(long.MaxValue)]               // 7² × 73 × 127 × 337 × 92737 × 649657
    [InlineData(9223372036854775781)]
    [InlineData(4611686014132420609)]         // (2^31 − 1)²
    [InlineData(9223371994482243049)]         // 3037000493², a prime squared
    [InlineData(999999999989L * 9199)]
    [InlineData(4294967291L * 2147483647)]    // product of two large primes
    [InlineData(3825123056546413051)]         // strong pseudoprime to bases 2..23
    [InlineData(341550071728321)]             // strong pseudoprime to bases 2..17
    public void Prime_is_false_for_large_composites_and_strong_pseudoprimes(long n) =>
        AssertFlag(false, Run(new PrimeOperation(), n));

    [Theory]
    [InlineData(561)]
    [InlineData(1105)]
    [InlineData(1729)]
    [InlineData(2465)]
    [InlineData(2821)]
    [InlineData(6601)]
    [InlineData(8911)]
    [InlineData(41041)]
    [InlineData(825265)]
    [InlineData(321197185)]
    [InlineData(3825123056546413051)]
    public void Prime_is_false_for_Carmichael_numbers(long n) => AssertFlag(false, Run(new PrimeOperation(), n));

    [Fact]
    public void Prime_agrees_with_the_sieve_below_100000()
    {
        const int limit = 100_000;
        var composite = new bool[limit];
        composite[0] = composite[1] = true;
        for (int i = 2; i * i < limit; i++)
            if (!composite[i])
                for (int j = i * i; j < limit; j += i) composite[j] = true;

        for (int n = 0; n < limit; n++)
            Assert.True(PrimeOperation.IsPrime(n) == !composite[n], $"prime({n}) should be {!composite[n]}");
    }

    [Fact]
    public void Every_operation_never_throws_on_edge_values()
    {
        long[] edges = [long.MinValue, long.MinValue + 1, -2, -1, 0, 1, 2, long.MaxValue - 1, long.MaxValue];
        foreach (var op in OperationRegistry.Default.Names)
        {
            Assert.True(OperationRegistry.Default.TryGet(op, out var operation));
            if (operation.Arity == 1)
                foreach (var a in edges) Assert.Contains(Run(operation, a).Code, new[] { Codes.Ok, Codes.Invalid });
            else
                foreach (var a in edges)
                foreach (var b in edges)
                    Assert.Contains(Run(operation, a, b).Code, new[] { Codes.Ok, Codes.Invalid });
        }
    }
}
