namespace Switchboard.Server.Operations;

/// <summary><c>even n</c>: the text <c>"even"</c> or <c>"odd"</c>, for negative numbers too.</summary>
public sealed class EvenOperation : IOperation
{
    private static readonly OpOutcome Even = OpOutcome.Ok(OpValue.Of("even"));
    private static readonly OpOutcome Odd = OpOutcome.Ok(OpValue.Of("odd"));

    public string Name => "even";
    public int Arity => 1;

    public OpOutcome Evaluate(ReadOnlySpan<long> args) => (args[0] & 1) == 0 ? Even : Odd;
}
