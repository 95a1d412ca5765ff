using Parallax.Generator.Common;

namespace Parallax.Generator.Jit.Model;

/// <summary>
/// One [Jit] method or [Vectorize] function reduced to a loop model: values only (no symbols or
/// syntax), so that the incremental pipeline can compare it across edits.
/// </summary>
internal sealed record KernelSpec(
    KernelKind Kind,
    string Key,
    string HintName,
    HierarchyInfo Hierarchy,
    string ContainingTypeDisplay,
    string MethodName,
    string Accessibility,
    string ReturnType,
    EquatableArray<ParamSpec> Parameters,
    string LaneType,
    string BoundArray,
    EquatableArray<ArraySpec> Arrays,
    EquatableArray<PrologueItem> Prologue,
    EquatableArray<AccumulatorSpec> Accumulators,
    EquatableArray<LoopStmt> Body,
    EquatableArray<string> LoopScalars,
    Expr? ReturnValue,
    bool FastMath,
    bool Parallel,
    string LoopText,
    int Start);

internal enum KernelKind
{
    Jit,
    Vectorize,
}

internal enum ParamShape
{
    Scalar,
    Array,
    Span,
    ReadOnlySpan,
}

/// <summary>A parameter of the annotated method; <see cref="Type"/> is fully qualified.</summary>
internal sealed record ParamSpec(string Name, string Type, ParamShape Shape, string ElementType, string Modifiers);

/// <summary>
/// An array or span indexed by the loop variable. A read at <c>x[i + c]</c> is a view of its own:
/// <see cref="Source"/> is <c>x</c>, <see cref="Offset"/> is <c>c</c>, and the entry method passes the
/// kernel that view, so the kernel itself only ever indexes at <c>i</c>.
/// </summary>
internal sealed record ArraySpec(string Name, string ElementType, ParamShape Shape, bool IsLocal, bool Written, bool ReadsOriginal, string Source, int Offset);

/// <summary>A statement before the loop, kept in source order.</summary>
internal sealed record PrologueItem(PrologueKind Kind, string Name, string Type, Expr? Value);

internal enum PrologueKind
{
    /// <summary><c>int n = x.Length;</c>: an alias of the loop bound.</summary>
    Length,

    /// <summary><c>var r = new T[n];</c>: the result array.</summary>
    Allocation,

    /// <summary>A scalar that the loop reads but never writes, broadcast into every lane.</summary>
    Invariant,

    /// <summary>A reduction's accumulator and its initial value.</summary>
    Accumulator,
}

internal enum ReductionKind
{
    Sum,
    Product,
    Min,
    Max,
}

/// <summary>
/// A reduction: <see cref="Type"/> is the accumulator's declared type, <see cref="LaneType"/> the
/// vector element it is accumulated in (a count over double data runs in long lanes).
/// </summary>
internal sealed record AccumulatorSpec(string Name, string Type, string LaneType, ReductionKind Kind);

/// <summary>A statement of the loop body after masking and store forwarding.</summary>
internal abstract record LoopStmt;

/// <summary>A per-iteration local: declared (first assignment) or reassigned.</summary>
internal sealed record LocalStmt(string Name, string Type, bool Declare, Expr Value) : LoopStmt;

/// <summary>The final value stored into an output array at the loop index.</summary>
internal sealed record StoreStmt(string Array, Expr Value) : LoopStmt;

/// <summary><c>acc = acc (op) value</c>.</summary>
internal sealed record ReduceStmt(string Accumulator, Expr Value) : LoopStmt;

/// <summary>
/// An expression of the loop body. <see cref="Type"/> is a C# keyword (float, double, int, long) or
/// "bool" for a comparison, whose vector form is a mask in the lanes of its operands' type.
/// </summary>
internal abstract record Expr(string Type)
{
    /// <summary>True when the value is the same in every iteration (parameters, constants).</summary>
    public abstract bool Invariant { get; }
}

/// <summary>Element <c>i</c> of an array or span.</summary>
internal sealed record LoadExpr(string Type, string Array) : Expr(Type)
{
    public override bool Invariant => false;
}

/// <summary>A parameter, an invariant local or an accumulator (in the epilogue only).</summary>
internal sealed record ScalarExpr(string Type, string Name) : Expr(Type)
{
    public override bool Invariant => true;
}

/// <summary>A local of the loop body.</summary>
internal sealed record LocalExpr(string Type, string Name) : Expr(Type)
{
    public override bool Invariant => false;
}

/// <summary>A constant, as a C# literal of its type.</summary>
internal sealed record ConstExpr(string Type, string Literal) : Expr(Type)
{
    public override bool Invariant => true;
}

/// <summary>Unary minus or logical not.</summary>
internal sealed record UnaryExpr(string Type, string Op, Expr Operand) : Expr(Type)
{
    public override bool Invariant => Operand.Invariant;
}

/// <summary>Arithmetic, comparison or logical operator.</summary>
internal sealed record BinaryExpr(string Type, string Op, Expr Left, Expr Right) : Expr(Type)
{
    public override bool Invariant => Left.Invariant && Right.Invariant;
}

/// <summary><c>cond ? a : b</c>, a masked select in vector form.</summary>
internal sealed record CondExpr(string Type, Expr Condition, Expr WhenTrue, Expr WhenFalse) : Expr(Type)
{
    public override bool Invariant => Condition.Invariant && WhenTrue.Invariant && WhenFalse.Invariant;
}

/// <summary>A Math/MathF function with a vector form; <see cref="Function"/> is its name.</summary>
internal sealed record CallExpr(string Type, string Function, EquatableArray<Expr> Arguments) : Expr(Type)
{
    public override bool Invariant => System.Linq.Enumerable.All(Arguments, a => a.Invariant);
}

/// <summary>A numeric conversion to <see cref="Expr.Type"/>.</summary>
internal sealed record ConvertExpr(string Type, Expr Operand) : Expr(Type)
{
    public override bool Invariant => Operand.Invariant;
}

/// <summary>What the compilation's options change in the emitted code.</summary>
/// <param name="AllowUnsafe">Kernels may pin their destination for non-temporal stores.</param>
/// <param name="CheckOverflow">The project checks integer overflow, so generated code says unchecked where it must wrap like a vector lane.</param>
internal sealed record EmitOptions(bool AllowUnsafe, bool CheckOverflow);

/// <summary>A call of a [Jit] method to redirect: the method's key and where the call is.</summary>
internal sealed record CallSiteSpec(string Key, InterceptedLocation Location);
