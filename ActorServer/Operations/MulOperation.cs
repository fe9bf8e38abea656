namespace Switchboard.Server.Operations;

/// <summary><c>mul a b</c>: checked 64-bit product.</summary>
public sealed class MulOperation : IOperation
{
    public string Name => "mul";
    public int Arity => 2;

    public OpOutcome Evaluate(ReadOnlySpan<long> args)
    {
        long high = Math.BigMul(args[0], args[1], out long low);
        // The 128-bit product fits in 64 bits iff the high half is the sign extension of the low half.
        return high != (low >> 63) ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(low));
    }
}
