namespace Switchboard.Tests.Server.Operations;

/// <summary>Specifications of <see cref="OperationRegistry"/>: lookup, argument counting and strict parsing.</summary>
public sealed class RegistrySpecs
{
    private static readonly OperationRegistry Registry = OperationRegistry.Default;

    [Fact]
    public void Default_registry_has_the_standard_operations_in_order() =>
        Assert.Equal(["add", "sub", "mul", "div", "mod", "even", "prime", "negative"], Registry.Names);

    [Theory]
    [InlineData("add", 2)]
    [InlineData("sub", 2)]
    [InlineData("mul", 2)]
    [InlineData("div", 2)]
    [InlineData("mod", 2)]
    [InlineData("even", 1)]
    [InlineData("prime", 1)]
    [InlineData("negative", 1)]
    public void TryGet_finds_each_standard_operation(string name, int arity)
    {
        Assert.True(Registry.TryGet(name, out var op));
        Assert.Equal(name, op.Name);
        Assert.Equal(arity, op.Arity);
    }

    [Theory]
    [InlineData("pow")]
    [InlineData("ADD")]
    [InlineData(" add")]
    public void Unknown_operation_is_300(string name)
    {
        Assert.False(Registry.TryGet(name, out _));
        var outcome = Registry.Execute(name, ["1", "2"]);
        Assert.Equal(Codes.NotSupported, outcome.Code);
        Assert.Equal($"operation not supported: {name} (the operations: add sub mul div mod even prime negative)", outcome.Error);
        Assert.Equal(OpValue.None, outcome.Value);
    }

    [Fact]
    public void Unknown_operation_name_is_truncated_in_the_error()
    {
        var outcome = Registry.Execute(new string('x', 1000), []);
        Assert.Equal(Codes.NotSupported, outcome.Code);
        Assert.StartsWith($"operation not supported: {new string('x', 32)}... (the operations: add ", outcome.Error);
    }

    [Theory]
    [InlineData("add", "add takes 2 arguments")]
    [InlineData("add", "add takes 2 arguments", "1")]
    [InlineData("add", "add takes 2 arguments", "1", "2", "3")]
    [InlineData("prime", "prime takes 1 argument")]
    [InlineData("even", "even takes 1 argument", "1", "2")]
    [InlineData("negative", "negative takes 1 argument", "x", "y")]
    public void Wrong_argument_count_is_422(string name, string error, params string[] args)
    {
        var outcome = Registry.Execute(name, args);
        Assert.Equal(Codes.Invalid, outcome.Code);
        Assert.Equal(error, outcome.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1.0")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    [InlineData("ff")]
    [InlineData("1,000")]
    [InlineData("--1")]
    [InlineData("+-1")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("1-")]
    [InlineData("(1)")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("∞")]
    [InlineData("١٢")]                          // Arabic-Indic digits
    public void Argument_that_is_not_a_signed_64_bit_integer_is_422(string text)
    {
        var outcome = Registry.Execute("add", ["1", text]);
        Assert.Equal(Codes.Invalid, outcome.Code);
        Assert.Equal($"not a number: '{text}'", outcome.Error);
        Assert.Equal(OpValue.None, outcome.Value);
    }

    [Theory]
    [InlineData("9223372036854775808")]         // long.MaxValue + 1
    [InlineData("-9223372036854775809")]        // long.MinValue − 1
    [InlineData("+99999999999999999999999")]
    [InlineData("18446744073709551557")]        // the largest unsigned 64-bit prime: not a signed value
    public void Integer_outside_the_signed_64_bit_range_is_422_out_of_range(string text)
    {
        var outcome = Registry.Execute("add", ["1", text]);
        Assert.Equal(Codes.Invalid, outcome.Code);
        Assert.Equal($"out of range (signed 64-bit): '{text}'", outcome.Error);
    }

    [Fact]
    public void Missing_operation_name_is_422_not_300()
    {
        Assert.Equal((Codes.Invalid, "operation name is missing: op NAME ARG..."), Registry.Execute("", ["1"]) is var o ? (o.Code, o.Error) : default);
    }

    [Fact]
    public void Long_non_number_is_truncated_in_the_error()
    {
        string text = new('z', 5000);
        var outcome = Registry.Execute("prime", [text]);
        Assert.Equal(Codes.Invalid, outcome.Code);
        Assert.Equal($"not a number: '{new string('z', 32)}...'", outcome.Error);
    }

    [Fact]
    public void First_bad_argument_is_reported()
    {
        var outcome = Registry.Execute("add", ["x", "y"]);
        Assert.Equal("not a number: 'x'", outcome.Error);
    }

    [Theory]
    [InlineData("add", "9223372036854775807", "-9223372036854775808", -1)]
    [InlineData("sub", "+5", "-3", 8)]
    [InlineData("mul", "-0", "7", 0)]
    [InlineData("div", "00100", "7", 14)]
    [InlineData("mod", "-7", "3", -1)]
    public void Valid_arguments_are_parsed_and_evaluated(string name, string a, string b, long expected)
    {
        var outcome = Registry.Execute(name, [a, b]);
        Assert.Equal(OpOutcome.Ok(OpValue.Of(expected)), outcome);
    }

    [Fact]
    public void Operation_errors_pass_through_Execute()
    {
        Assert.Equal(OpOutcome.Invalid("division by zero"), Registry.Execute("div", ["1", "0"]));
        Assert.Equal(OpOutcome.Invalid("overflow"), Registry.Execute("div", ["-9223372036854775808", "-1"]));
        Assert.Equal(OpOutcome.Ok(OpValue.Of(true)), Registry.Execute("prime", ["9223372036854775783"]));
        Assert.Equal(OpOutcome.Ok(OpValue.Of("odd")), Registry.Execute("even", ["-9223372036854775807"]));
    }

    [Fact]
    public void Outcome_helpers_carry_the_right_codes()
    {
        Assert.Equal(Codes.Ok, OpOutcome.Ok(OpValue.Of(1)).Code);
        Assert.True(OpOutcome.Ok(OpValue.None).IsOk);
        Assert.Equal(new OpOutcome(Codes.Invalid, OpValue.None, "e"), OpOutcome.Invalid("e"));
        Assert.Equal(new OpOutcome(Codes.NotSupported, OpValue.None, "e"), OpOutcome.NotSupported("e"));
    }

    [Theory]
    [InlineData("add", "9223372036854775000", "807")]
    [InlineData("mod", "-9223372036854775808", "-1")]
    [InlineData("div", "1", "0")]
    [InlineData("prime", "9223372036854775783")]
    [InlineData("even", "-3")]
    public void Execute_does_not_allocate_on_the_hot_path(params string[] request)
    {
        string name = request[0];
        string[] args = request[1..];
        for (int i = 0; i < 100; i++) Registry.Execute(name, args);   // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Registry.Execute(name, args);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private sealed class Square : IOperation
    {
        public string Name => "square";
        public int Arity => 1;
        public OpOutcome Evaluate(ReadOnlySpan<long> args) => new MulOperation().Evaluate([args[0], args[0]]);
    }

    [Fact]
    public void A_new_operation_is_one_class_and_one_registration()
    {
        var registry = new OperationRegistry([new AddOperation(), new Square()]);
        Assert.Equal(["add", "square"], registry.Names);
        Assert.Equal(OpOutcome.Ok(OpValue.Of(81)), registry.Execute("square", ["-9"]));
        Assert.Equal(OpOutcome.Invalid("overflow"), registry.Execute("square", ["3037000500"]));
        Assert.Equal(Codes.NotSupported, registry.Execute("prime", ["7"]).Code);
    }

    [Fact]
    public void Duplicate_operation_names_are_rejected() =>
        Assert.Throws<ArgumentException>(() => new OperationRegistry([new AddOperation(), new AddOperation()]));
}
