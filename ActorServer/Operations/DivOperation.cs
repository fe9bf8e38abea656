namespace Switchboard.Server.Operations;

/// <summary><c>div a b</c>: 64-bit quotient truncated toward zero.</summary>
public sealed class DivOperation() : BinaryOperation("div")
{
    // .NET throws for long.MinValue / -1 (the quotient 2^63 does not fit): that one is an overflow.
    protected override OpOutcome Apply(long a, long b) =>
        b == 0 ? OpOutcome.DivisionByZero
        : b == -1 ? (a == long.MinValue ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(-a)))
        : OpOutcome.Ok(OpValue.Of(a / b));
}
