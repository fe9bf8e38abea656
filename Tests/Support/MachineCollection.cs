namespace Switchboard.Tests.Support;

/// <summary>
/// Process specs run concurrently (free ports, unique segment names, own temp files: see Nodes.cs), bounded by
/// xunit.runner.json's maxParallelThreads. The few that load the whole machine (dozens of processes or sockets at
/// once, the load generator) are in this collection instead: xUnit runs it alone, after the others, so a flood
/// neither starves another spec's heartbeats nor is itself slowed by them. Each member says why it is here.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MachineCollection
{
    public const string Name = "whole machine";
}
