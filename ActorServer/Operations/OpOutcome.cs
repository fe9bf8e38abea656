namespace Switchboard.Server.Operations;

/// <summary>The result of running an operation: a response code, a value when <see cref="Code"/> is 200, an error text otherwise.</summary>
public readonly record struct OpOutcome(int Code, OpValue Value, string? Error)
{
    public bool IsOk => Code == Codes.Ok;

    public static OpOutcome Ok(OpValue value) => new(Codes.Ok, value, null);

    public static OpOutcome Invalid(string error) => new(Codes.Invalid, OpValue.None, error);

    public static OpOutcome NotSupported(string error) => new(Codes.NotSupported, OpValue.None, error);

    /// <summary>422 "overflow": the true result does not fit in a signed 64-bit integer.</summary>
    public static OpOutcome Overflow => Invalid("overflow");

    /// <summary>422 "division by zero".</summary>
    public static OpOutcome DivisionByZero => Invalid("division by zero");
}
