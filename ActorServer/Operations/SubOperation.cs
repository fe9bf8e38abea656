namespace Switchboard.Server.Operations;

/// <summary><c>sub a b</c>: checked 64-bit difference a − b.</summary>
public sealed class SubOperation : IOperation
{
    public string Name => "sub";
    public int Arity => 2;

    public OpOutcome Evaluate(ReadOnlySpan<long> args)
    {
        long a = args[0], b = args[1];
        long r = unchecked(a - b);
        // Overflow iff the operands have different signs and the result's sign differs from a's.
        return ((a ^ b) & (a ^ r)) < 0 ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(r));
    }
}
