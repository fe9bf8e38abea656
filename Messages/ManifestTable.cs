using System.Diagnostics.CodeAnalysis;

namespace Switchboard.Messages;

/// <summary>
/// A serializer's manifests: each wire type's string, looked up by the message's exact type. Every wire message is a
/// sealed record, so the exact type is the only one a type pattern could have matched; <see cref="Add{T}"/> refuses
/// an unsealed type to keep it that way. Filled once at type initialization, then only read.
/// </summary>
public sealed class ManifestTable
{
    private readonly Dictionary<Type, string> _manifests = [];

    public ManifestTable Add<T>(string manifest) where T : class
    {
        if (!typeof(T).IsSealed) throw new ArgumentException($"{typeof(T)} is not sealed: a subtype would miss its manifest");
        _manifests.Add(typeof(T), manifest);
        return this;
    }

    public bool TryGet(object message, [NotNullWhen(true)] out string? manifest) =>
        _manifests.TryGetValue(message.GetType(), out manifest);
}
