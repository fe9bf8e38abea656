namespace Switchboard.Server.Operations;

/// <summary><c>mul a b</c>: checked 64-bit product.</summary>
public sealed class MulOperation() : BinaryOperation("mul")
{
    protected override OpOutcome Apply(long a, long b)
    {
        long high = Math.BigMul(a, b, out long low);
        // The 128-bit product fits in 64 bits iff the high half is the sign extension of the low half.
        return high != (low >> 63) ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(low));
    }
}
