using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Parallax.CompilerServices;

/// <summary>
/// The kernel skeleton, written once for every [Jit] and [Vectorize] kernel, in the shape of
/// TensorPrimitives: the widest vector the hardware accelerates (Vector512, else 256, else 128, else
/// the scalar loop), a main loop unrolled four times, then one step at a time. Element-wise loops
/// start their main loop where the output is aligned and write the first and last partial vectors
/// through masks; large single outputs bypass the cache. Generated code supplies only the loop's
/// body (<see cref="IJitMapBody"/>, <see cref="IJitReduceBody{TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512}"/>);
/// the JIT specializes these methods for each body struct and inlines its steps. Called by
/// generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitLoop
{
    private const int Unroll = 4;

    /// <summary>
    /// Runs an element-wise loop over <c>[0, length)</c>. <typeparamref name="TLane"/> is the loop's
    /// narrowest element type: one step is one vector of it.
    /// </summary>
    /// <typeparam name="TLane">The narrowest element type the body reads or writes.</typeparam>
    /// <typeparam name="TOutput">Element type of <paramref name="output"/>.</typeparam>
    /// <typeparam name="TBody">The generated body.</typeparam>
    /// <param name="body">The loop body, holding references to the loop's arrays.</param>
    /// <param name="output">The first element of the output the main loop aligns to.</param>
    /// <param name="length">The number of iterations.</param>
    /// <param name="nonTemporal">Whether <paramref name="output"/> is the loop's only output, so that a large one may bypass the cache.</param>
    // AggressiveOptimization beside AggressiveInlining: where the JIT declines to inline (a large body), the
    // skeleton is still compiled optimized at its first call instead of running its first calls at tier 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Map<TLane, TOutput, TBody>(TBody body, ref TOutput output, int length, bool nonTemporal)
        where TOutput : unmanaged
        where TBody : IJitMapBody, allows ref struct
    {
        nuint n = (nuint)length;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<TLane>.Count)
        {
            Map512<TLane, TOutput, TBody>(body, ref output, n, nonTemporal);
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<TLane>.Count)
        {
            Map256<TLane, TOutput, TBody>(body, ref output, n, nonTemporal);
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<TLane>.Count)
        {
            Map128<TLane, TOutput, TBody>(body, ref output, n, nonTemporal);
        }
        else
        {
            // Shorter than one vector, or no SIMD hardware.
            for (nuint i = 0; i < n; i++)
            {
                body.Step(i);
            }
        }
    }

    /// <summary>
    /// Runs a loop with reductions over <c>[0, length)</c>: four vector accumulators per reduction,
    /// combined pairwise and across lanes, then the remainder one element at a time.
    /// </summary>
    /// <typeparam name="TLane">The narrowest element type the body reads or writes.</typeparam>
    /// <typeparam name="TBody">The generated body.</typeparam>
    /// <typeparam name="TAccumulator">The accumulators as scalars.</typeparam>
    /// <typeparam name="TAccumulator128">The accumulators as Vector128 values.</typeparam>
    /// <typeparam name="TAccumulator256">The accumulators as Vector256 values.</typeparam>
    /// <typeparam name="TAccumulator512">The accumulators as Vector512 values.</typeparam>
    /// <param name="body">The loop body, holding references to the loop's arrays.</param>
    /// <param name="length">The number of iterations.</param>
    /// <returns>The accumulators over the whole range, in their lane types.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static TAccumulator Reduce<TLane, TBody, TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>(TBody body, int length)
        where TBody : IJitReduceBody<TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>, allows ref struct
    {
        nuint n = (nuint)length, i = 0;
        TAccumulator accumulator;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<TLane>.Count)
        {
            accumulator = Reduce512<TLane, TBody, TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>(body, n, out i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<TLane>.Count)
        {
            accumulator = Reduce256<TLane, TBody, TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>(body, n, out i);
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<TLane>.Count)
        {
            accumulator = Reduce128<TLane, TBody, TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>(body, n, out i);
        }
        else
        {
            accumulator = body.Identity;
        }

        // The remainder, one element at a time.
        for (; i < n; i++)
        {
            accumulator = body.Step(accumulator, i);
        }

        return accumulator;
    }

    // Each width is its own method, compiled fully optimized at its first call (a kernel at tier 0
    // would run its first, often only, call many times slower), with the body's steps inlined into it.
    // The three are the same code but for the vector type, as in TensorPrimitives.

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Map512<TLane, TOutput, TBody>(TBody body, ref TOutput output, nuint length, bool nonTemporal)
        where TOutput : unmanaged
        where TBody : IJitMapBody, allows ref struct
    {
        nuint step = (nuint)Vector512<TLane>.Count;

        // The main loop starts where the output is aligned (an unaligned vector access may straddle two
        // cache lines); the elements before it come from a first vector masked to them. Computed before
        // anything else is stored, it reads only original values even when the call is in place.
        nuint i = (nuint)JitMemory.ElementsToAlignment(ref output, Vector512<byte>.Count);
        if (i != 0)
        {
            body.Step512(0, new EdgeStore(0, i));
        }

        if (nonTemporal && length * (nuint)sizeof(TOutput) >= (nuint)JitMemory.NonTemporalThreshold)
        {
            // A large output bypasses the cache: a non-temporal store does not read the line first,
            // and does not evict what the loop still reads. It needs an aligned address, so the output is pinned.
            fixed (TOutput* pinned = &output)
            {
                i = (nuint)(pinned + i) % (nuint)Vector512<byte>.Count == 0
                    ? Loop512<TLane, TBody, NonTemporalStore>(body, default, i, length)
                    : Loop512<TLane, TBody, DirectStore>(body, default, i, length);
            }
        }
        else
        {
            i = Loop512<TLane, TBody, DirectStore>(body, default, i, length);
        }

        // The last vector ends at the last element and overlaps the main loop's end instead of a scalar
        // tail; only the lanes the main loop did not reach are written, so that in place the lanes
        // whose inputs it already overwrote are not written again.
        if (i != length)
        {
            body.Step512(length - step, new EdgeStore(i, length));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static nuint Loop512<TLane, TBody, TStore>(TBody body, TStore store, nuint i, nuint length)
        where TBody : IJitMapBody, allows ref struct
        where TStore : struct, IJitStore
    {
        nuint step = (nuint)Vector512<TLane>.Count;
        for (; i + Unroll * step <= length; i += Unroll * step)
        {
            body.Step512(i, store);
            body.Step512(i + step, store);
            body.Step512(i + 2 * step, store);
            body.Step512(i + 3 * step, store);
        }

        for (; i + step <= length; i += step)
        {
            body.Step512(i, store);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Map256<TLane, TOutput, TBody>(TBody body, ref TOutput output, nuint length, bool nonTemporal)
        where TOutput : unmanaged
        where TBody : IJitMapBody, allows ref struct
    {
        nuint step = (nuint)Vector256<TLane>.Count;
        nuint i = (nuint)JitMemory.ElementsToAlignment(ref output, Vector256<byte>.Count);
        if (i != 0)
        {
            body.Step256(0, new EdgeStore(0, i));
        }

        if (nonTemporal && length * (nuint)sizeof(TOutput) >= (nuint)JitMemory.NonTemporalThreshold)
        {
            fixed (TOutput* pinned = &output)
            {
                i = (nuint)(pinned + i) % (nuint)Vector256<byte>.Count == 0
                    ? Loop256<TLane, TBody, NonTemporalStore>(body, default, i, length)
                    : Loop256<TLane, TBody, DirectStore>(body, default, i, length);
            }
        }
        else
        {
            i = Loop256<TLane, TBody, DirectStore>(body, default, i, length);
        }

        if (i != length)
        {
            body.Step256(length - step, new EdgeStore(i, length));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static nuint Loop256<TLane, TBody, TStore>(TBody body, TStore store, nuint i, nuint length)
        where TBody : IJitMapBody, allows ref struct
        where TStore : struct, IJitStore
    {
        nuint step = (nuint)Vector256<TLane>.Count;
        for (; i + Unroll * step <= length; i += Unroll * step)
        {
            body.Step256(i, store);
            body.Step256(i + step, store);
            body.Step256(i + 2 * step, store);
            body.Step256(i + 3 * step, store);
        }

        for (; i + step <= length; i += step)
        {
            body.Step256(i, store);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Map128<TLane, TOutput, TBody>(TBody body, ref TOutput output, nuint length, bool nonTemporal)
        where TOutput : unmanaged
        where TBody : IJitMapBody, allows ref struct
    {
        nuint step = (nuint)Vector128<TLane>.Count;
        nuint i = (nuint)JitMemory.ElementsToAlignment(ref output, Vector128<byte>.Count);
        if (i != 0)
        {
            body.Step128(0, new EdgeStore(0, i));
        }

        if (nonTemporal && length * (nuint)sizeof(TOutput) >= (nuint)JitMemory.NonTemporalThreshold)
        {
            fixed (TOutput* pinned = &output)
            {
                i = (nuint)(pinned + i) % (nuint)Vector128<byte>.Count == 0
                    ? Loop128<TLane, TBody, NonTemporalStore>(body, default, i, length)
                    : Loop128<TLane, TBody, DirectStore>(body, default, i, length);
            }
        }
        else
        {
            i = Loop128<TLane, TBody, DirectStore>(body, default, i, length);
        }

        if (i != length)
        {
            body.Step128(length - step, new EdgeStore(i, length));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static nuint Loop128<TLane, TBody, TStore>(TBody body, TStore store, nuint i, nuint length)
        where TBody : IJitMapBody, allows ref struct
        where TStore : struct, IJitStore
    {
        nuint step = (nuint)Vector128<TLane>.Count;
        for (; i + Unroll * step <= length; i += Unroll * step)
        {
            body.Step128(i, store);
            body.Step128(i + step, store);
            body.Step128(i + 2 * step, store);
            body.Step128(i + 3 * step, store);
        }

        for (; i + step <= length; i += step)
        {
            body.Step128(i, store);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static TAccumulator Reduce512<TLane, TBody, TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>(TBody body, nuint length, out nuint i)
        where TBody : IJitReduceBody<TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>, allows ref struct
    {
        nuint step = (nuint)Vector512<TLane>.Count;
        TAccumulator512 a0 = body.Identity512, a1 = a0, a2 = a0, a3 = a0;
        for (i = 0; i + Unroll * step <= length; i += Unroll * step)
        {
            a0 = body.Step512(a0, i);
            a1 = body.Step512(a1, i + step);
            a2 = body.Step512(a2, i + 2 * step);
            a3 = body.Step512(a3, i + 3 * step);
        }

        for (; i + step <= length; i += step)
        {
            a0 = body.Step512(a0, i);
        }

        return body.Finish512(a0, a1, a2, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static TAccumulator Reduce256<TLane, TBody, TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>(TBody body, nuint length, out nuint i)
        where TBody : IJitReduceBody<TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>, allows ref struct
    {
        nuint step = (nuint)Vector256<TLane>.Count;
        TAccumulator256 a0 = body.Identity256, a1 = a0, a2 = a0, a3 = a0;
        for (i = 0; i + Unroll * step <= length; i += Unroll * step)
        {
            a0 = body.Step256(a0, i);
            a1 = body.Step256(a1, i + step);
            a2 = body.Step256(a2, i + 2 * step);
            a3 = body.Step256(a3, i + 3 * step);
        }

        for (; i + step <= length; i += step)
        {
            a0 = body.Step256(a0, i);
        }

        return body.Finish256(a0, a1, a2, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static TAccumulator Reduce128<TLane, TBody, TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>(TBody body, nuint length, out nuint i)
        where TBody : IJitReduceBody<TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>, allows ref struct
    {
        nuint step = (nuint)Vector128<TLane>.Count;
        TAccumulator128 a0 = body.Identity128, a1 = a0, a2 = a0, a3 = a0;
        for (i = 0; i + Unroll * step <= length; i += Unroll * step)
        {
            a0 = body.Step128(a0, i);
            a1 = body.Step128(a1, i + step);
            a2 = body.Step128(a2, i + 2 * step);
            a3 = body.Step128(a3, i + 3 * step);
        }

        for (; i + step <= length; i += step)
        {
            a0 = body.Step128(a0, i);
        }

        return body.Finish128(a0, a1, a2, a3);
    }
}
