namespace Parallax;

/// <summary>
/// Thrown when a code string passed to <see cref="DirectView.ExecuteAsync"/> or
/// <see cref="EngineView.ExecuteAsync"/> does not compile. Engines compile the string against their
/// own namespace before any of them runs it, so when this is thrown the code ran on no engine.
/// </summary>
public sealed class ScriptCompilationException : Exception
{
    /// <summary>Creates the exception for <paramref name="diagnostics"/> reported by <paramref name="engineIds"/>.</summary>
    /// <param name="diagnostics">Each distinct compile error, in the order the engines reported them.</param>
    /// <param name="engineIds">The engines on which the code did not compile, ascending.</param>
    public ScriptCompilationException(IReadOnlyList<ScriptDiagnostic> diagnostics, IReadOnlyList<int> engineIds)
        : base(Describe(diagnostics, engineIds))
    {
        Diagnostics = diagnostics;
        EngineIds = engineIds;
    }

    /// <summary>Gets each distinct compile error: its id, 1-based line and column in the code string, and message.</summary>
    public IReadOnlyList<ScriptDiagnostic> Diagnostics { get; }

    /// <summary>Gets the engines on which the code did not compile (engines whose namespaces differ can disagree).</summary>
    public IReadOnlyList<int> EngineIds { get; }

    private static string Describe(IReadOnlyList<ScriptDiagnostic> diagnostics, IReadOnlyList<int> engineIds)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(engineIds);
        return $"The code string did not compile on engine{(engineIds.Count == 1 ? "" : "s")} [{string.Join(", ", engineIds)}], so it ran on none; fix it and execute it again:" +
            string.Concat(diagnostics.Select(d => Environment.NewLine + d));
    }
}

/// <summary>One compile error of a code string.</summary>
/// <param name="Id">The compiler's id, e.g. <c>CS0103</c>.</param>
/// <param name="Line">The 1-based line in the code string.</param>
/// <param name="Column">The 1-based column in that line.</param>
/// <param name="Message">The compiler's message.</param>
public sealed record ScriptDiagnostic(string Id, int Line, int Column, string Message)
{
    /// <summary>Formats the error as the C# compiler does: <c>(line,column): error CS0103: message</c>.</summary>
    /// <returns>The formatted error.</returns>
    public override string ToString() => $"({Line},{Column}): error {Id}: {Message}";
}
