namespace Switchboard.Server.Operations;

/// <summary><c>mod a b</c>: C# remainder (sign of the dividend); <c>long.MinValue mod -1</c> is 0.</summary>
public sealed class ModOperation : IOperation
{
    public string Name => "mod";
    public int Arity => 2;

    public OpOutcome Evaluate(ReadOnlySpan<long> args)
    {
        long a = args[0], b = args[1];
        if (b == 0) return OpOutcome.DivisionByZero;
        // .NET throws OverflowException for long.MinValue % -1; the true remainder of anything by ±1 is 0.
        if (b == -1) return OpOutcome.Ok(OpValue.Of(0L));
        return OpOutcome.Ok(OpValue.Of(a % b));
    }
}
