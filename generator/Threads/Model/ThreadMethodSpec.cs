namespace Parallax.Generator.Threads.Model;

/// <summary>
/// A [Thread]/[Daemon] method and the factory generated beside it (<c>Prescript</c> → <c>PrescriptThread</c>).
/// </summary>
/// <param name="Hierarchy">The containing types, outermost first.</param>
/// <param name="MethodName">The annotated method's name.</param>
/// <param name="FactoryName">The generated factory's name.</param>
/// <param name="Accessibility">The annotated method's accessibility keywords, which the factory gets too.</param>
/// <param name="IsStatic">Whether the method, and so the factory, is static.</param>
/// <param name="CopiesThis">An instance method of a struct: the lambda cannot capture <c>this</c>, so it captures a copy.</param>
/// <param name="TypeParameters">The method's type parameter list (<c>&lt;T&gt;</c>) or empty.</param>
/// <param name="Constraints">One <c>where</c> clause per constrained type parameter.</param>
/// <param name="Parameters">The method's parameters.</param>
/// <param name="Awaits">The method returns a task: the thread waits for it, so its exception reaches Join.</param>
/// <param name="IsDaemon">[Daemon] rather than [Thread].</param>
/// <param name="ThreadName">The name given in the attribute, or null for Python's default.</param>
internal sealed record ThreadMethodSpec(
    HierarchyInfo Hierarchy,
    string MethodName,
    string FactoryName,
    string Accessibility,
    bool IsStatic,
    bool CopiesThis,
    string TypeParameters,
    EquatableArray<string> Constraints,
    EquatableArray<ParameterSpec> Parameters,
    bool Awaits,
    bool IsDaemon,
    string? ThreadName) : ThreadSpec(Hierarchy, IsDaemon, ThreadName);
