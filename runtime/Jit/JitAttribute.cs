namespace Parallax;

/// <summary>
/// Compiles a static method whose body is a plain scalar loop into a SIMD kernel at build time, and
/// redirects every call to the method in the same compilation to that kernel. This is Numba's
/// <c>@njit</c>: a body that cannot become a kernel is a build error with its reason, never a silent
/// slow path. The method body stays as the scalar reference.
/// </summary>
/// <example>
/// <code>
/// [Jit]
/// public static double[] ArrSum(double[] x, double[] y)
/// {
///     var r = new double[x.Length];
///     for (int i = 0; i &lt; x.Length; i++) r[i] = x[i] + y[i];
///     return r;
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class JitAttribute : Attribute
{
    /// <summary>
    /// Splits the loop's range over the machine's cores, like Numba's <c>prange</c>, combining
    /// per-chunk reductions. Small inputs stay on one core. Default <see langword="false"/>.
    /// </summary>
    public bool Parallel { get; set; }

    /// <summary>
    /// Lets floating-point reductions reassociate (several accumulators, vector lanes), which changes
    /// rounding like Numba's <c>fastmath=True</c>. Without it float and double reductions stay exact
    /// and in order. Integer reductions are always vectorized. Default <see langword="false"/>.
    /// </summary>
    public bool FastMath { get; set; }
}

/// <summary>
/// Generates a span overload of a scalar function, <c>F(ReadOnlySpan&lt;T&gt; x, …, Span&lt;T&gt; result)</c>,
/// that applies it element-wise with a SIMD kernel: Numba's <c>@vectorize</c>.
/// The containing type must be partial.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class VectorizeAttribute : Attribute
{
    /// <summary>
    /// Allows vector functions whose last bit may differ from <see cref="Math"/>'s (Exp, Log, Sin, Cos),
    /// like <see cref="JitAttribute.FastMath"/>. Default <see langword="false"/>.
    /// </summary>
    public bool FastMath { get; set; }
}
