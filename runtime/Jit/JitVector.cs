using System.ComponentModel;
using System.Runtime.Intrinsics;

namespace Parallax.CompilerServices;

/// <summary>
/// Vector forms of <see cref="Math"/> functions whose semantics no single Vector512/256/128 method
/// reproduces bit for bit. Called by generated kernels only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitVector
{
    /// <summary>
    /// <see cref="Math.Clamp(double, double, double)"/> per lane: below <paramref name="min"/> gives
    /// min, above <paramref name="max"/> gives max, anything else (NaN, -0.0) passes through unchanged,
    /// where <c>Min(Max(v, min), max)</c> would turn -0.0 into +0.0.
    /// </summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="value">Values to clamp.</param>
    /// <param name="min">Lower bound per lane.</param>
    /// <param name="max">Upper bound per lane.</param>
    /// <returns>The clamped values.</returns>
    public static Vector512<T> Clamp<T>(Vector512<T> value, Vector512<T> min, Vector512<T> max) =>
        Vector512.ConditionalSelect(Vector512.LessThan(value, min), min, Vector512.ConditionalSelect(Vector512.GreaterThan(value, max), max, value));

    /// <inheritdoc cref="Clamp{T}(Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static Vector256<T> Clamp<T>(Vector256<T> value, Vector256<T> min, Vector256<T> max) =>
        Vector256.ConditionalSelect(Vector256.LessThan(value, min), min, Vector256.ConditionalSelect(Vector256.GreaterThan(value, max), max, value));

    /// <inheritdoc cref="Clamp{T}(Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static Vector128<T> Clamp<T>(Vector128<T> value, Vector128<T> min, Vector128<T> max) =>
        Vector128.ConditionalSelect(Vector128.LessThan(value, min), min, Vector128.ConditionalSelect(Vector128.GreaterThan(value, max), max, value));
}
