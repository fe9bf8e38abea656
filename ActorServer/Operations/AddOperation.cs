namespace Switchboard.Server.Operations;

/// <summary><c>add a b</c>: checked 64-bit sum.</summary>
public sealed class AddOperation() : BinaryOperation("add")
{
    protected override OpOutcome Apply(long a, long b)
    {
        long r = unchecked(a + b);
        // Overflow iff both operands have the same sign and the result's sign differs.
        return ((a ^ r) & (b ^ r)) < 0 ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(r));
    }
}
