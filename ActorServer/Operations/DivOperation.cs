namespace Switchboard.Server.Operations;

/// <summary><c>div a b</c>: 64-bit quotient truncated toward zero.</summary>
public sealed class DivOperation : IOperation
{
    public string Name => "div";
    public int Arity => 2;

    public OpOutcome Evaluate(ReadOnlySpan<long> args)
    {
        long a = args[0], b = args[1];
        if (b == 0) return OpOutcome.DivisionByZero;
        if (b == -1) return a == long.MinValue ? OpOutcome.Overflow : OpOutcome.Ok(OpValue.Of(-a));
        return OpOutcome.Ok(OpValue.Of(a / b));
    }
}
