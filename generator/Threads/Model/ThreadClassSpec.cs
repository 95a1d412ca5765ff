using Parallax.Generator.Common;

namespace Parallax.Generator.Threads.Model;

/// <summary>A [Thread]/[Daemon] class with a <c>Run()</c> method, which gets Python's Thread members.</summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="Types">The containing types, outermost first, ending with the class itself.</param>
/// <param name="RunAwaits">Run returns a task: the thread waits for it, so its exception reaches Join.</param>
/// <param name="IsDaemon">[Daemon] rather than [Thread].</param>
/// <param name="ThreadName">The name given in the attribute, or null for Python's default.</param>
internal sealed record ThreadClassSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> Types,
    bool RunAwaits,
    bool IsDaemon,
    string? ThreadName);
