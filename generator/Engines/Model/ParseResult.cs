using Parallax.Generator.Common;

namespace Parallax.Generator.Engines.Model;

/// <summary>What the parser made of one call site or method: a spec when code can be generated, and its diagnostics.</summary>
internal sealed record ParseResult<T>(T? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
    where T : class;
