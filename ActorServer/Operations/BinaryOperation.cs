namespace Switchboard.Server.Operations;

/// <summary>An operation of two 64-bit arguments: a subclass names itself and writes <see cref="Apply"/>.</summary>
public abstract class BinaryOperation(string name) : IOperation
{
    public string Name { get; } = name;
    public int Arity => 2;

    public OpOutcome Evaluate(ReadOnlySpan<long> args) => Apply(args[0], args[1]);

    /// <summary>Computes the result; never throws for any argument values.</summary>
    protected abstract OpOutcome Apply(long a, long b);
}
