namespace Switchboard.Server.Operations;

/// <summary><c>add a b</c>: checked 64-bit sum.</summary>
public sealed class AddOperation : IOperation
{
    public string Name => "add";
    public int Arity => 2;

    public OpOutcome Evaluate(ReadOnlySpan<long> args)
    {
        long a = args[0], b = args[1];
        long r = unchecked(a + b);
        // Overflow iff both operands have the same sign and the result's sign differs.
        return ((a ^ r) & (b ^ r)) < 0 ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(r));
    }
}
