using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;

namespace Switchboard.Server.Operations;

/// <summary>
/// An immutable set of operations looked up by name; <see cref="Execute"/> validates and parses raw argument
/// text before evaluating. To add an operation: write one <see cref="IOperation"/> class and register it in
/// <see cref="Default"/>.
/// </summary>
public sealed class OperationRegistry
{
    /// <summary>Longest argument text quoted back in a "not a number" error.</summary>
    public const int MaxQuotedLength = 32;

    private const int MaxStackArity = 16;

    /// <summary>The standard operations of DESIGN §3.</summary>
    public static readonly OperationRegistry Default = new(
    [
        new AddOperation(),
        new SubOperation(),
        new MulOperation(),
        new DivOperation(),
        new ModOperation(),
        new EvenOperation(),
        new PrimeOperation(),
        new NegativeOperation(),
    ]);

    private readonly FrozenDictionary<string, IOperation> _byName;
    private readonly ImmutableArray<string> _names;

    public OperationRegistry(IEnumerable<IOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var byName = new Dictionary<string, IOperation>(StringComparer.Ordinal);
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var op in operations)
        {
            ArgumentNullException.ThrowIfNull(op);
            if (op.Arity < 0) throw new ArgumentException($"operation '{op.Name}' has negative arity", nameof(operations));
            if (!byName.TryAdd(op.Name, op)) throw new ArgumentException($"duplicate operation name '{op.Name}'", nameof(operations));
            names.Add(op.Name);
        }
        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _names = names.ToImmutable();
    }

    /// <summary>Operation names in registration order.</summary>
    public IEnumerable<string> Names => _names;

    public bool TryGet(string name, out IOperation op)
    {
        if (name is not null && _byName.TryGetValue(name, out var found))
        {
            op = found;
            return true;
        }
        op = null!;
        return false;
    }

    /// <summary>
    /// Runs operation <paramref name="name"/> on raw argument text: 300 if unknown (naming the ones there are: a new
    /// user who typed <c>op pow 2 8</c> had no way to learn them), 422 if the argument count
    /// is wrong or an argument is not a signed 64-bit integer, otherwise whatever the operation returns.
    /// </summary>
    public OpOutcome Execute(string name, ReadOnlySpan<string> rawArgs)
    {
        if (string.IsNullOrEmpty(name))
            return OpOutcome.Invalid("operation name is missing: op NAME ARG...");
        if (!TryGet(name, out var op))
            return OpOutcome.NotSupported($"operation not supported: {Quote(name)} (the operations: {string.Join(' ', _names)})");
        if (rawArgs.Length != op.Arity)
            return OpOutcome.Invalid($"{op.Name} takes {op.Arity} argument{(op.Arity == 1 ? "" : "s")}");

        Span<long> args = op.Arity <= MaxStackArity ? stackalloc long[op.Arity] : new long[op.Arity];
        for (int i = 0; i < args.Length; i++)
        {
            string? text = rawArgs[i];
            if (!TryParseArgument(text, out args[i]))
                return OpOutcome.Invalid(IsInteger(text)
                    ? $"out of range (signed 64-bit): '{Quote(text)}'"
                    : $"not a number: '{Quote(text)}'");
        }
        return op.Evaluate(args);
    }

    /// <summary>The name of the infix form: <c>calc A OP B</c> with OP one of <c>+ - * / %</c>.</summary>
    public const string Calc = "calc";

    /// <summary>
    /// Runs a request: <see cref="Calc"/> with raw <c>A OP B</c> (the operator validated here, on the server),
    /// or any operation by name.
    /// </summary>
    public OpOutcome Run(string op, ReadOnlySpan<string> rawArgs)
    {
        if (op != Calc) return Execute(op, rawArgs);
        if (rawArgs.Length != 3) return OpOutcome.Invalid("calc takes A OP B, e.g. calc 6 * 7");
        var name = rawArgs[1] switch
        {
            "+" => "add",
            "-" => "sub",
            "*" => "mul",
            "/" => "div",
            "%" => "mod",
            _ => null,
        };
        if (name is null) return OpOutcome.NotSupported($"operator not supported: {Quote(rawArgs[1])} (use + - * / %)");
        // The two operands as a stack-allocated span: nothing allocated per request.
        Span<string> operands = [rawArgs[0], rawArgs[2]];
        return Execute(name, operands);
    }

    /// <summary>Strict signed 64-bit parse: optional leading sign and decimal digits only, no whitespace, no overflow.</summary>
    public static bool TryParseArgument(string? text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    // Digits with an optional sign that still failed to parse: too big for a signed 64-bit integer.
    private static bool IsInteger(string? text) =>
        text is { Length: > 0 } t && (t[0] is '+' or '-' ? t.AsSpan(1) : t.AsSpan()) is { Length: > 0 } digits && !digits.ContainsAnyExceptInRange('0', '9');

    private static string Quote(string? text) =>
        text is null ? "" : text.Length <= MaxQuotedLength ? text : string.Concat(text.AsSpan(0, MaxQuotedLength), "...");
}
