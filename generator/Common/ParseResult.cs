namespace Parallax.Generator.Common;

/// <summary>
/// What a parser made of one annotated member or call: a spec when code can be generated (null when
/// not), and its diagnostics, which generators report from their own branch of the pipeline.
/// </summary>
internal sealed record ParseResult<T>(T? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
    where T : class
{
    /// <summary>No spec, and nothing to say: the target is someone else's to report.</summary>
    public static readonly ParseResult<T> Empty = new(null, EquatableArray<DiagnosticInfo>.Empty);

    public static ParseResult<T> Success(T spec) => new(spec, EquatableArray<DiagnosticInfo>.Empty);

    public static ParseResult<T> Failure(params DiagnosticInfo[] diagnostics) => new(null, diagnostics.ToEquatableArray());
}
