namespace Parallax.Generator.Threads.Model;

/// <summary>What the emitter needs of any [Thread]/[Daemon] target: where its code goes and the thread's kind and name.</summary>
/// <param name="Hierarchy">The types the generated members go into, outermost first.</param>
/// <param name="IsDaemon">[Daemon] rather than [Thread].</param>
/// <param name="ThreadName">The name given in the attribute, or null for Python's default.</param>
internal abstract record ThreadSpec(HierarchyInfo Hierarchy, bool IsDaemon, string? ThreadName);

/// <summary>A [Thread]/[Daemon] class with a <c>Run()</c> method, which gets Python's Thread members.</summary>
/// <param name="Hierarchy">The containing types, outermost first, ending with the class itself.</param>
/// <param name="RunAwaits">Run returns a task: the thread waits for it, so its exception reaches Join.</param>
/// <param name="IsDaemon">[Daemon] rather than [Thread].</param>
/// <param name="ThreadName">The name given in the attribute, or null for Python's default.</param>
internal sealed record ThreadClassSpec(HierarchyInfo Hierarchy, bool RunAwaits, bool IsDaemon, string? ThreadName)
    : ThreadSpec(Hierarchy, IsDaemon, ThreadName);
