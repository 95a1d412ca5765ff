namespace Parallax.Generator.Jit.Model;

/// <summary>
/// One [Jit] method or [Vectorize] function reduced to a loop model: values only (no symbols or
/// syntax), so that the incremental pipeline can compare it across edits. <see cref="LoopVariables"/>
/// names the loops' variables, outermost first (the last is the one the kernel vectorizes; none for
/// [Vectorize]); <see cref="LoopText"/> is only quoted, never read back.
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
    EquatableArray<ReadAfterWrite> ReadsAfterWrites,
    EquatableArray<PrologueItem> Prologue,
    EquatableArray<AccumulatorSpec> Accumulators,
    EquatableArray<LoopStmt> Body,
    EquatableArray<string> LoopScalars,
    Expr? ReturnValue,
    bool FastMath,
    bool Parallel,
    string LoopText,
    EquatableArray<string> LoopVariables,
    int Start,
    NestSpec? Nest = null);

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

    /// <summary><c>T[,]</c>: indexed by nested loops, handed to the kernel a row at a time.</summary>
    Array2D,

    /// <summary><c>T[,,]</c>.</summary>
    Array3D,
}

/// <summary>A parameter of the annotated method; <see cref="Type"/> is fully qualified.</summary>
internal sealed record ParamSpec(string Name, string Type, ParamShape Shape, string ElementType, string Modifiers);

/// <summary>
/// An array or span indexed by the loop variable. A read at <c>x[i + c]</c> is a view of its own:
/// <see cref="Source"/> is <c>x</c>, <see cref="Offset"/> is <c>c</c>, and the entry method passes the
/// kernel that view, so the kernel itself only ever indexes at <c>i</c>.
/// </summary>
internal sealed record ArraySpec(string Name, string ElementType, ParamShape Shape, bool IsLocal, bool Written, bool ReadsOriginal, string Source, int Offset);

/// <summary>
/// The loop reads <see cref="Read"/> after it writes <see cref="Written"/> (parameter names): if the
/// two shared memory the scalar loop would read the new values, so they must be disjoint.
/// </summary>
internal sealed record ReadAfterWrite(string Written, string Read);

/// <summary>A statement before the loop, kept in source order; <see cref="Sizes"/> are a rectangular allocation's lengths.</summary>
internal sealed record PrologueItem(PrologueKind Kind, string Name, string Type, Expr? Value, EquatableArray<Expr> Sizes = default);

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

/// <summary>A statement of the loop body after masking and store forwarding; <see cref="Value"/> is what it computes.</summary>
internal abstract record LoopStmt(Expr Value);

/// <summary>A per-iteration local: declared (first assignment) or reassigned.</summary>
internal sealed record LocalStmt(string Name, string Type, bool Declare, Expr Value) : LoopStmt(Value);

/// <summary>The final value stored into an output array at the loop index.</summary>
internal sealed record StoreStmt(string Array, Expr Value) : LoopStmt(Value);

/// <summary><c>acc = acc (op) value</c>.</summary>
internal sealed record ReduceStmt(string Accumulator, Expr Value) : LoopStmt(Value);

/// <summary>
/// An expression of the loop body. <see cref="Type"/> is a C# keyword (float, double, int, long, …;
/// <see cref="NumericTypes"/> holds their rules) or "bool" for a comparison, whose vector form is a
/// mask in the lanes of its operands' type.
/// </summary>
internal abstract record Expr(string Type)
{
    /// <summary>True when the value is the same in every iteration (parameters, constants).</summary>
    public abstract bool Invariant { get; }

    /// <summary>The operands, in order.</summary>
    public virtual IEnumerable<Expr> Children => Array.Empty<Expr>();

    /// <summary>This expression and every expression inside it.</summary>
    public IEnumerable<Expr> Descendants => new[] { this }.Concat(Children.SelectMany(c => c.Descendants));
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

/// <summary>The length of an array or span (before and after the loop only).</summary>
internal sealed record LengthExpr(string Array) : Expr("int")
{
    public override bool Invariant => true;
}

/// <summary>A local of the loop body.</summary>
internal sealed record LocalExpr(string Type, string Name) : Expr(Type)
{
    public override bool Invariant => false;
}

/// <summary>
/// A constant of <see cref="Expr.Type"/>, as its value: an integer sign- or zero-extended to
/// <see cref="Bits"/>, a float or double as the IEEE bits of a double, so that equality is exact
/// (-0.0 is not 0.0). The emitter writes the literal.
/// </summary>
internal sealed record ConstExpr(string Type, long Bits) : Expr(Type)
{
    public override bool Invariant => true;

    /// <summary>An integer's value (a ulong above long.MaxValue is negative here).</summary>
    public long IntegerValue => Bits;

    /// <summary>A float's or double's value.</summary>
    public double FloatValue => BitConverter.Int64BitsToDouble(Bits);

    /// <summary>An integer constant, wrapped to <paramref name="type"/> as an unchecked conversion would.</summary>
    public static ConstExpr Integer(string type, long value) => new(type, NumericTypes.Wrap(value, type));

    /// <summary>A float or double constant, rounded to <paramref name="type"/>.</summary>
    public static ConstExpr Float(string type, double value) => new(type, BitConverter.DoubleToInt64Bits(type == "float" ? (float)value : value));

    /// <summary>A constant the compiler computed (<paramref name="value"/> is a boxed number), converted to <paramref name="type"/> as C# converts it.</summary>
    public static ConstExpr Of(string type, object value) => value switch
    {
        double d => Float(type, d),
        float f => Float(type, f),
        ulong u => new ConstExpr("ulong", unchecked((long)u)).To(type),
        _ => new ConstExpr("long", System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)).To(type),
    };

    /// <summary>
    /// This constant converted to <paramref name="type"/> as C# converts it: integers wrap, an integer
    /// becomes a float by one rounding. Floats convert only to floats here.
    /// </summary>
    public ConstExpr To(string type)
    {
        if (!NumericTypes.IsFloat(type))
        {
            return Integer(type, Bits);
        }

        if (NumericTypes.IsFloat(Type))
        {
            return Float(type, FloatValue);
        }

        // One rounding, straight from the integer: (float)(double)long could round twice.
        if (type == "float")
        {
            float single = Type == "ulong" ? unchecked((ulong)Bits) : (float)Bits;
            return new ConstExpr(type, BitConverter.DoubleToInt64Bits(single));
        }

        return new ConstExpr(type, BitConverter.DoubleToInt64Bits(Type == "ulong" ? unchecked((ulong)Bits) : (double)Bits));
    }
}

/// <summary>Unary minus or logical not.</summary>
internal sealed record UnaryExpr(string Type, string Op, Expr Operand) : Expr(Type)
{
    public override bool Invariant => Operand.Invariant;

    public override IEnumerable<Expr> Children => new[] { Operand };
}

/// <summary>Arithmetic, comparison or logical operator.</summary>
internal sealed record BinaryExpr(string Type, string Op, Expr Left, Expr Right) : Expr(Type)
{
    public override bool Invariant => Left.Invariant && Right.Invariant;

    public override IEnumerable<Expr> Children => new[] { Left, Right };
}

/// <summary><c>cond ? a : b</c>, a masked select in vector form.</summary>
internal sealed record CondExpr(string Type, Expr Condition, Expr WhenTrue, Expr WhenFalse) : Expr(Type)
{
    public override bool Invariant => Condition.Invariant && WhenTrue.Invariant && WhenFalse.Invariant;

    public override IEnumerable<Expr> Children => new[] { Condition, WhenTrue, WhenFalse };
}

/// <summary>A Math/MathF function with a vector form; <see cref="Function"/> is its name.</summary>
internal sealed record CallExpr(string Type, string Function, EquatableArray<Expr> Arguments) : Expr(Type)
{
    public override bool Invariant => Arguments.All(a => a.Invariant);

    public override IEnumerable<Expr> Children => Arguments;
}

/// <summary>
/// Integer <c>/</c> or <c>%</c> (<see cref="Op"/>) of a per-element value, computed by
/// <c>JitDivision</c> in the lanes where <see cref="Mask"/> holds (null: every lane). The mask is the
/// condition under which the scalar loop evaluates the division at all (an <c>if</c>, a branch of
/// <c>?:</c>, the right side of <c>&amp;&amp;</c>), so a zero divisor the scalar code never divides by
/// throws nothing.
/// </summary>
internal sealed record DivideExpr(string Type, string Op, Expr Left, Expr Right, Expr? Mask) : Expr(Type)
{
    public override bool Invariant => false;

    public override IEnumerable<Expr> Children => Mask is null ? new[] { Left, Right } : new[] { Left, Right, Mask };
}

/// <summary>A numeric conversion to <see cref="Expr.Type"/>.</summary>
internal sealed record ConvertExpr(string Type, Expr Operand) : Expr(Type)
{
    public override bool Invariant => Operand.Invariant;

    public override IEnumerable<Expr> Children => new[] { Operand };
}

/// <summary>What the compilation's options change in the emitted code.</summary>
/// <param name="CheckOverflow">The project checks integer overflow, so generated code says unchecked where it must wrap like a vector lane.</param>
internal sealed record EmitOptions(bool CheckOverflow);

/// <summary>
/// A call of a [Jit] method to redirect: the method's key and where the call is; or, for a [Jit] method of
/// another assembly, which no interceptor here can reach, the PAR1016 to report instead.
/// </summary>
internal sealed record CallSiteSpec(string Key, InterceptedLocation? Location, DiagnosticInfo? Elsewhere = null);

/// <summary>A [Jit] method that has a kernel: its documentation id and its name.</summary>
internal sealed record KernelName(string Key, string Name);

/// <summary>The [Jit] methods of referenced assemblies: their names, and the names of every type of those assemblies.</summary>
internal sealed record ForeignKernels(EquatableArray<string> Names, EquatableArray<string> TypeNames);
