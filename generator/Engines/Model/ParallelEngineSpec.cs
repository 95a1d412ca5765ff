namespace Parallax.Generator.Engines.Model;

/// <summary>A <c>[ParallelEngine]</c> method: what its invoker and its typed <c>Remote</c> helpers need.</summary>
/// <param name="Hierarchy">The containing types, outermost first.</param>
/// <param name="ContainingType">The containing type, fully qualified.</param>
/// <param name="Name">The method's name.</param>
/// <param name="Accessibility">The helpers' accessibility: the method's own, or internal for a private or protected method.</param>
/// <param name="Parameters">The method's parameters.</param>
/// <param name="ResultType">The fully qualified result type, or empty for void.</param>
/// <param name="ResultArrayType">An array of the result type, or empty for void.</param>
/// <param name="Id">The stable dispatch id.</param>
/// <param name="Suffix">Makes the generated member names unique among overloads.</param>
internal sealed record ParallelEngineSpec(
    HierarchyInfo Hierarchy,
    string ContainingType,
    string Name,
    string Accessibility,
    EquatableArray<ValueSpec> Parameters,
    string ResultType,
    string ResultArrayType,
    string Id,
    string Suffix);
