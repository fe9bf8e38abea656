namespace Switchboard.Server.Operations;

/// <summary><c>negative n</c>: true iff n &lt; 0.</summary>
public sealed class NegativeOperation : IOperation
{
    public string Name => "negative";
    public int Arity => 1;

    public OpOutcome Evaluate(ReadOnlySpan<long> args) => OpOutcome.Ok(OpValue.Of(args[0] < 0));
}
