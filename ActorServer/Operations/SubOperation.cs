namespace Switchboard.Server.Operations;

/// <summary><c>sub a b</c>: checked 64-bit difference a − b.</summary>
public sealed class SubOperation() : BinaryOperation("sub")
{
    protected override OpOutcome Apply(long a, long b)
    {
        long r = unchecked(a - b);
        // Overflow iff the operands have different signs and the result's sign differs from a's.
        return ((a ^ b) & (a ^ r)) < 0 ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(r));
    }
}
