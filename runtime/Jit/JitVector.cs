using System.ComponentModel;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Parallax.CompilerServices;

/// <summary>
/// Vector forms of <see cref="Math"/> functions whose semantics no single Vector512/256/128 method
/// reproduces bit for bit, and the end of a reduction: a kernel keeps four accumulators per reduction
/// (<see cref="JitLoop"/>), which combine pairwise and then across lanes. Called by generated kernels only.
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

    /// <summary>The sum of four accumulators: <c>(a0 + a1) + (a2 + a3)</c>, then across lanes.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="a0">The accumulator of steps 0, 4, 8, …</param>
    /// <param name="a1">The accumulator of steps 1, 5, 9, …</param>
    /// <param name="a2">The accumulator of steps 2, 6, 10, …</param>
    /// <param name="a3">The accumulator of steps 3, 7, 11, …</param>
    /// <returns>The reduction over every lane.</returns>
    public static T Sum<T>(Vector512<T> a0, Vector512<T> a1, Vector512<T> a2, Vector512<T> a3) =>
        Vector512.Sum((a0 + a1) + (a2 + a3));

    /// <summary>The product of four accumulators: <c>(a0 · a1) · (a2 · a3)</c>, then the lanes in order.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="a0">The accumulator of steps 0, 4, 8, …</param>
    /// <param name="a1">The accumulator of steps 1, 5, 9, …</param>
    /// <param name="a2">The accumulator of steps 2, 6, 10, …</param>
    /// <param name="a3">The accumulator of steps 3, 7, 11, …</param>
    /// <returns>The reduction over every lane.</returns>
    public static T Product<T>(Vector512<T> a0, Vector512<T> a1, Vector512<T> a2, Vector512<T> a3)
        where T : INumber<T>
    {
        var v = (a0 * a1) * (a2 * a3);
        T result = T.One;
        for (int lane = 0; lane < Vector512<T>.Count; lane++)
        {
            result *= v.GetElement(lane);
        }

        return result;
    }

    /// <summary>The least lane of four accumulators, as <see cref="Math.Min(double, double)"/> orders them (NaN wins, -0.0 is below +0.0).</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="a0">The accumulator of steps 0, 4, 8, …</param>
    /// <param name="a1">The accumulator of steps 1, 5, 9, …</param>
    /// <param name="a2">The accumulator of steps 2, 6, 10, …</param>
    /// <param name="a3">The accumulator of steps 3, 7, 11, …</param>
    /// <returns>The reduction over every lane.</returns>
    public static T Min<T>(Vector512<T> a0, Vector512<T> a1, Vector512<T> a2, Vector512<T> a3)
        where T : INumber<T>
    {
        var v = Vector512.Min(Vector512.Min(a0, a1), Vector512.Min(a2, a3));
        T result = v.GetElement(0);
        for (int lane = 1; lane < Vector512<T>.Count; lane++)
        {
            result = T.Min(result, v.GetElement(lane));
        }

        return result;
    }

    /// <summary>The greatest lane of four accumulators, as <see cref="Math.Max(double, double)"/> orders them (NaN wins, -0.0 is below +0.0).</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="a0">The accumulator of steps 0, 4, 8, …</param>
    /// <param name="a1">The accumulator of steps 1, 5, 9, …</param>
    /// <param name="a2">The accumulator of steps 2, 6, 10, …</param>
    /// <param name="a3">The accumulator of steps 3, 7, 11, …</param>
    /// <returns>The reduction over every lane.</returns>
    public static T Max<T>(Vector512<T> a0, Vector512<T> a1, Vector512<T> a2, Vector512<T> a3)
        where T : INumber<T>
    {
        var v = Vector512.Max(Vector512.Max(a0, a1), Vector512.Max(a2, a3));
        T result = v.GetElement(0);
        for (int lane = 1; lane < Vector512<T>.Count; lane++)
        {
            result = T.Max(result, v.GetElement(lane));
        }

        return result;
    }

    /// <inheritdoc cref="Sum{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Sum<T>(Vector256<T> a0, Vector256<T> a1, Vector256<T> a2, Vector256<T> a3) =>
        Vector256.Sum((a0 + a1) + (a2 + a3));

    /// <inheritdoc cref="Product{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Product<T>(Vector256<T> a0, Vector256<T> a1, Vector256<T> a2, Vector256<T> a3)
        where T : INumber<T>
    {
        var v = (a0 * a1) * (a2 * a3);
        T result = T.One;
        for (int lane = 0; lane < Vector256<T>.Count; lane++)
        {
            result *= v.GetElement(lane);
        }

        return result;
    }

    /// <inheritdoc cref="Min{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Min<T>(Vector256<T> a0, Vector256<T> a1, Vector256<T> a2, Vector256<T> a3)
        where T : INumber<T>
    {
        var v = Vector256.Min(Vector256.Min(a0, a1), Vector256.Min(a2, a3));
        T result = v.GetElement(0);
        for (int lane = 1; lane < Vector256<T>.Count; lane++)
        {
            result = T.Min(result, v.GetElement(lane));
        }

        return result;
    }

    /// <inheritdoc cref="Max{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Max<T>(Vector256<T> a0, Vector256<T> a1, Vector256<T> a2, Vector256<T> a3)
        where T : INumber<T>
    {
        var v = Vector256.Max(Vector256.Max(a0, a1), Vector256.Max(a2, a3));
        T result = v.GetElement(0);
        for (int lane = 1; lane < Vector256<T>.Count; lane++)
        {
            result = T.Max(result, v.GetElement(lane));
        }

        return result;
    }

    /// <inheritdoc cref="Sum{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Sum<T>(Vector128<T> a0, Vector128<T> a1, Vector128<T> a2, Vector128<T> a3) =>
        Vector128.Sum((a0 + a1) + (a2 + a3));

    /// <inheritdoc cref="Product{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Product<T>(Vector128<T> a0, Vector128<T> a1, Vector128<T> a2, Vector128<T> a3)
        where T : INumber<T>
    {
        var v = (a0 * a1) * (a2 * a3);
        T result = T.One;
        for (int lane = 0; lane < Vector128<T>.Count; lane++)
        {
            result *= v.GetElement(lane);
        }

        return result;
    }

    /// <inheritdoc cref="Min{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Min<T>(Vector128<T> a0, Vector128<T> a1, Vector128<T> a2, Vector128<T> a3)
        where T : INumber<T>
    {
        var v = Vector128.Min(Vector128.Min(a0, a1), Vector128.Min(a2, a3));
        T result = v.GetElement(0);
        for (int lane = 1; lane < Vector128<T>.Count; lane++)
        {
            result = T.Min(result, v.GetElement(lane));
        }

        return result;
    }

    /// <inheritdoc cref="Max{T}(Vector512{T}, Vector512{T}, Vector512{T}, Vector512{T})"/>
    public static T Max<T>(Vector128<T> a0, Vector128<T> a1, Vector128<T> a2, Vector128<T> a3)
        where T : INumber<T>
    {
        var v = Vector128.Max(Vector128.Max(a0, a1), Vector128.Max(a2, a3));
        T result = v.GetElement(0);
        for (int lane = 1; lane < Vector128<T>.Count; lane++)
        {
            result = T.Max(result, v.GetElement(lane));
        }

        return result;
    }
}
