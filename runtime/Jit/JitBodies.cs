using System.ComponentModel;
using System.Runtime.Intrinsics;

namespace Parallax.CompilerServices;

/// <summary>
/// The body of an element-wise loop, as a generated kernel writes it: for each vector width, what one
/// step computes at index <c>i</c> (one vector of the loop's narrowest element type, several vectors
/// of each wider one). <see cref="JitLoop"/> owns everything else: the width dispatch, unrolling,
/// alignment, the edges and the choice of stores. Implemented by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IJitMapBody
{
    /// <summary>Computes the step at <paramref name="i"/> with Vector512 and hands every result to <paramref name="store"/>.</summary>
    /// <typeparam name="TStore">How results reach memory, chosen by <see cref="JitLoop"/>.</typeparam>
    /// <param name="i">The loop index of the step's first element.</param>
    /// <param name="store">Writes the step's results.</param>
    void Step512<TStore>(nuint i, TStore store)
        where TStore : struct, IJitStore;

    /// <inheritdoc cref="Step512"/>
    void Step256<TStore>(nuint i, TStore store)
        where TStore : struct, IJitStore;

    /// <inheritdoc cref="Step512"/>
    void Step128<TStore>(nuint i, TStore store)
        where TStore : struct, IJitStore;

    /// <summary>One iteration of the scalar loop.</summary>
    /// <param name="i">The loop index.</param>
    void Step(nuint i);
}

/// <summary>
/// The body of a loop with reductions, as a generated kernel writes it. <typeparamref name="TAccumulator"/>
/// holds every accumulator in its lane type (a tuple when there are several); the vector types hold
/// one vector per accumulator. <see cref="JitLoop"/> keeps four of them per width, so that successive
/// steps do not wait on each other. Implemented by generated code only.
/// </summary>
/// <typeparam name="TAccumulator">The accumulators as scalars.</typeparam>
/// <typeparam name="TAccumulator128">The accumulators as Vector128 values.</typeparam>
/// <typeparam name="TAccumulator256">The accumulators as Vector256 values.</typeparam>
/// <typeparam name="TAccumulator512">The accumulators as Vector512 values.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IJitReduceBody<TAccumulator, TAccumulator128, TAccumulator256, TAccumulator512>
{
    /// <summary>The accumulators' start: values that leave any result unchanged (0, 1, ±∞, -0.0 for float sums).</summary>
    TAccumulator Identity { get; }

    /// <summary><see cref="Identity"/> in every lane.</summary>
    TAccumulator512 Identity512 { get; }

    /// <inheritdoc cref="Identity512"/>
    TAccumulator256 Identity256 { get; }

    /// <inheritdoc cref="Identity512"/>
    TAccumulator128 Identity128 { get; }

    /// <summary>One iteration of the scalar loop.</summary>
    /// <param name="accumulator">The accumulators so far.</param>
    /// <param name="i">The loop index.</param>
    /// <returns>The accumulators with element <paramref name="i"/> added.</returns>
    TAccumulator Step(TAccumulator accumulator, nuint i);

    /// <summary>One step at <paramref name="i"/> with Vector512; element-wise stores of the loop happen here too.</summary>
    /// <param name="accumulator">The accumulators so far.</param>
    /// <param name="i">The loop index of the step's first element.</param>
    /// <returns>The accumulators with the step added.</returns>
    TAccumulator512 Step512(TAccumulator512 accumulator, nuint i);

    /// <inheritdoc cref="Step512"/>
    TAccumulator256 Step256(TAccumulator256 accumulator, nuint i);

    /// <inheritdoc cref="Step512"/>
    TAccumulator128 Step128(TAccumulator128 accumulator, nuint i);

    /// <summary>Combines the four interleaved accumulators pairwise, then across lanes.</summary>
    /// <param name="a0">Accumulators of steps 0, 4, 8, …</param>
    /// <param name="a1">Accumulators of steps 1, 5, 9, …</param>
    /// <param name="a2">Accumulators of steps 2, 6, 10, …</param>
    /// <param name="a3">Accumulators of steps 3, 7, 11, …</param>
    /// <returns>The accumulators as scalars.</returns>
    TAccumulator Finish512(TAccumulator512 a0, TAccumulator512 a1, TAccumulator512 a2, TAccumulator512 a3);

    /// <inheritdoc cref="Finish512"/>
    TAccumulator Finish256(TAccumulator256 a0, TAccumulator256 a1, TAccumulator256 a2, TAccumulator256 a3);

    /// <inheritdoc cref="Finish512"/>
    TAccumulator Finish128(TAccumulator128 a0, TAccumulator128 a1, TAccumulator128 a2, TAccumulator128 a3);
}

/// <summary>
/// Where a step's result vectors go: <see cref="JitLoop"/> passes one that stores normally, one that
/// stores non-temporally, or one that writes only some lanes (the edges). Generated code calls it;
/// only <see cref="JitLoop"/> implements it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IJitStore
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="destination"/> at <paramref name="index"/>.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="value">A result vector.</param>
    /// <param name="destination">The output's first element.</param>
    /// <param name="index">The loop index of the vector's first element.</param>
    void Store<T>(Vector512<T> value, ref T destination, nuint index)
        where T : unmanaged;

    /// <inheritdoc cref="Store{T}(Vector512{T}, ref T, nuint)"/>
    void Store<T>(Vector256<T> value, ref T destination, nuint index)
        where T : unmanaged;

    /// <inheritdoc cref="Store{T}(Vector512{T}, ref T, nuint)"/>
    void Store<T>(Vector128<T> value, ref T destination, nuint index)
        where T : unmanaged;
}
