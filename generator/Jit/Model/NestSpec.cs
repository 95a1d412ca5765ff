namespace Parallax.Generator.Jit.Model;

/// <summary>
/// Nested counted loops over rectangular arrays (issue 13): the innermost loop is the vector loop,
/// the outer ones run as scalar loops in the entry method, which hands the kernel one row at a time
/// (each array the inner loop indexes, as the contiguous run of the row it reads). Values only.
/// </summary>
/// <param name="Outer">The outer loops, outermost first.</param>
/// <param name="Inner">The vectorized loop.</param>
/// <param name="Views">How each of the kernel's arrays is cut from its source for one row.</param>
/// <param name="RowScalars">Elements the inner loop reads at indices that do not involve its variable (<c>w[i]</c>): one value per row.</param>
/// <param name="Flattenable">
/// Every array is indexed at exactly the loop variables, so when the loops cover whole arrays (checked
/// at run time) the rows are one contiguous run and the kernel runs once over all of it.
/// </param>
/// <param name="IndexFirst">The kernel parameter holding the inner variable's value at the row's first element, when the body reads the variable as a value; else null.</param>
internal sealed record NestSpec(
    EquatableArray<NestLoop> Outer,
    NestLoop Inner,
    EquatableArray<ViewSpec> Views,
    EquatableArray<RowScalar> RowScalars,
    bool Flattenable,
    string? IndexFirst);

/// <summary>A loop of the nest: <c>for (int Variable = Start; Variable &lt; End; Variable++)</c>, with the locals its body declares before the next loop.</summary>
internal sealed record NestLoop(string Variable, Expr Start, Expr End, EquatableArray<PrologueItem> Locals);

/// <summary>
/// A kernel array cut from <see cref="Source"/> (of rank <see cref="Rank"/>) for one row: its leading
/// indices fixed by the outer loops (<see cref="Leading"/>), its last one running with the inner loop
/// from <see cref="ColumnOffset"/> past the inner loop's start.
/// </summary>
internal sealed record ViewSpec(string Name, string Source, int Rank, EquatableArray<LeadingIndex> Leading, int ColumnOffset);

/// <summary>An index fixed for a row: an outer loop variable plus a constant, or (no variable) a constant.</summary>
internal sealed record LeadingIndex(string? Variable, int Offset);

/// <summary>An element read once per row (<c>w[i]</c>, <c>a[i, 0]</c>) and broadcast to the kernel under <see cref="Name"/>.</summary>
internal sealed record RowScalar(string Name, string Type, string Source, EquatableArray<LeadingIndex> Indices);

/// <summary>The inner loop variable read as a value (<c>col * dx</c>): lane k of a step at i holds the row's first index + i + k.</summary>
internal sealed record IndexExpr(string Type, string Variable) : Expr(Type)
{
    public override bool Invariant => false;
}

/// <summary>An element read by the entry method itself (an outer loop's local <c>double s = w[i];</c>): scalar code only.</summary>
internal sealed record ElementExpr(string Type, string Array, EquatableArray<LeadingIndex> Indices) : Expr(Type)
{
    public override bool Invariant => false;
}

/// <summary><c>a.GetLength(d)</c> of a rectangular array (before the loops only).</summary>
internal sealed record DimensionExpr(string Array, int Dimension) : Expr("int")
{
    public override bool Invariant => true;
}
