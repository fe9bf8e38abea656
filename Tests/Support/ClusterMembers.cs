using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;

namespace Switchboard.Tests.Support;

public static class ClusterMembers
{
    // Akka.Cluster builds members itself; a spec needs one that serves a client-facing address (its role).
    public static Member Serving(string node, Address? at = null, MemberStatus status = MemberStatus.Up)
    {
        var host = node[..node.LastIndexOf(':')];
        var unique = new UniqueAddress(at ?? new Address("akka.ssl.tcp", "switchboard", host, 4054), 1);
        var create = typeof(Member).GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
            .First(m => m.Name == "Create" && m.ReturnType == typeof(Member) && m.GetParameters()[0].ParameterType == typeof(UniqueAddress));
        var args = create.GetParameters().Select(p => p.ParameterType == typeof(UniqueAddress) ? unique
            : p.ParameterType == typeof(ImmutableHashSet<string>) ? ImmutableHashSet.Create(NodeSide.FrontRolePrefix + node)
            : p.ParameterType == typeof(Akka.Util.AppVersion) ? Akka.Util.AppVersion.Zero
            : p.HasDefaultValue ? p.DefaultValue : null).ToArray();
        var joining = (Member)create.Invoke(null, args)!;
        var copy = typeof(Member).GetMethod("Copy", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, [typeof(MemberStatus)])!;
        return (Member)copy.Invoke(joining, [status])!;
    }
}
