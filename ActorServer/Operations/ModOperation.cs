namespace Switchboard.Server.Operations;

/// <summary><c>mod a b</c>: C# remainder (sign of the dividend); <c>long.MinValue mod -1</c> is 0.</summary>
public sealed class ModOperation() : BinaryOperation("mod")
{
    // .NET throws OverflowException for long.MinValue % -1; the true remainder of anything by ±1 is 0.
    protected override OpOutcome Apply(long a, long b) =>
        b == 0 ? OpOutcome.DivisionByZero
        : b == -1 ? OpOutcome.Ok(OpValue.Of(0L))
        : OpOutcome.Ok(OpValue.Of(a % b));
}
