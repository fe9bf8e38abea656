namespace Switchboard.Server.Operations;

/// <summary>A pure operation on already-parsed signed 64-bit arguments. Implementations are stateless and thread-safe.</summary>
public interface IOperation
{
    /// <summary>The name clients use to invoke the operation, e.g. <c>add</c>.</summary>
    string Name { get; }

    /// <summary>How many arguments the operation takes; <see cref="Evaluate"/> is only called with exactly this many.</summary>
    int Arity { get; }

    /// <summary>Computes the result; never throws for any argument values.</summary>
    OpOutcome Evaluate(ReadOnlySpan<long> args);
}
