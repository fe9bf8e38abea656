using System.Collections;
using System.Reflection;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace Switchboard.Tests.Messages;

/// <summary>
/// Every <see cref="ISwitchboardMessage"/> type, found by reflection, round-trips through the serializer with every
/// field intact: a new wire message without a manifest, or with a field the serializer forgets, fails here.
/// </summary>
public sealed class AllMessagesRoundTripSpecs() : TestKit(ActorTestConfig.Server())
{
    private static readonly Assembly[] Assemblies =
        [typeof(ISwitchboardMessage).Assembly, typeof(Switchboard.Server.Hosting.NodeHost).Assembly, typeof(Switchboard.Client.Hosting.ClientHost).Assembly];

    private static IEnumerable<Type> WireTypes() => Assemblies
        .SelectMany(a => a.GetTypes())
        .Where(t => typeof(ISwitchboardMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static TheoryData<string> WireTypeNames() => [.. WireTypes().Select(t => t.FullName!)];

    [Fact]
    public void The_wire_protocol_is_found_by_reflection()
    {
        var names = WireTypes().Select(t => t.Name).ToArray();
        Assert.Contains("Register", names);
        Assert.Contains("Reply", names);
        Assert.Contains("Fanout", names);
        Assert.True(names.Length >= 23, $"found only {names.Length} wire types");
    }

    [Theory]
    [MemberData(nameof(WireTypeNames))]
    public void Every_wire_message_type_round_trips_with_every_field(string typeName)
    {
        var type = WireTypes().Single(t => t.FullName == typeName);
        foreach (var full in new[] { true, false })
        {
            var message = (ISwitchboardMessage)new Samples(TestActor, full).Make(type);
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<SwitchboardSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
            Assert.IsType(type, back);
            AssertSame(message, back, type.Name);
        }
    }

    /// <summary>Field-by-field equality: arrays element by element, actor refs by path.</summary>
    private static void AssertSame(object? expected, object? actual, string where)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{where}: expected null, got {actual}");
                return;
            case IActorRef r:
                Assert.Equal(r.Path, Assert.IsAssignableFrom<IActorRef>(actual).Path);
                return;
            case string or ValueType:
                Assert.True(Equals(expected, actual), $"{where}: expected {expected}, got {actual}");
                return;
            case IList list:
                var other = Assert.IsAssignableFrom<IList>(actual);
                Assert.True(list.Count == other.Count, $"{where}: expected {list.Count} elements, got {other.Count}");
                for (var i = 0; i < list.Count; i++) AssertSame(list[i], other[i], $"{where}[{i}]");
                return;
        }
        foreach (var p in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            AssertSame(p.GetValue(expected), p.GetValue(actual), $"{where}.{p.Name}");
    }

    /// <summary>
    /// Builds a message through its widest constructor. "Full" fills every field with a value unlike its default
    /// (optional texts set, arrays of two, extreme numbers); the other edge leaves optional texts null, arrays empty
    /// and numbers at the other end, so both the present and the absent encodings are exercised.
    /// </summary>
    private sealed class Samples(IActorRef actor, bool full)
    {
        private int _n;

        public object Make(Type type)
        {
            var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            return ctor.Invoke([.. ctor.GetParameters().Select(Value)]);
        }

        private object? Value(ParameterInfo p)
        {
            var nullable = new NullabilityInfoContext().Create(p).WriteState == NullabilityState.Nullable;
            return Value(p.ParameterType, p.Name!, nullable);
        }

        private object? Value(Type t, string name, bool nullable)
        {
            _n++;
            if (t == typeof(string)) return nullable && !full ? null : $"{name}-{_n}-é✓";
            if (Nullable.GetUnderlyingType(t) is { } value) return full ? Value(value, name, false) : null;
            if (t == typeof(long)) return full ? long.MinValue + _n : long.MaxValue - _n;
            if (t == typeof(int)) return full ? 400 + _n : int.MaxValue - _n;
            if (t == typeof(bool)) return full;
            if (t == typeof(IActorRef)) return actor;
            if (t.IsEnum) return Enum.GetValues(t).GetValue(full ? Enum.GetValues(t).Length - 1 : 0);
            if (t == typeof(OpValue)) return full ? OpValue.Of(long.MinValue) : OpValue.Of($"text-{_n}");
            if (t.IsArray)
            {
                var items = Array.CreateInstance(t.GetElementType()!, full ? 2 : 0);
                for (var i = 0; i < items.Length; i++) items.SetValue(Value(t.GetElementType()!, name, false), i);
                return items;
            }
            if (t.IsClass) return Make(t);
            throw new NotSupportedException($"no sample value for {t} ({name}): teach {nameof(Samples)} this type");
        }
    }
}
