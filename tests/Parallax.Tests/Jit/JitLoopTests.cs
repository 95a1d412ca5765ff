using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Parallax.CompilerServices;

namespace Parallax.Tests.Jit;

/// <summary>
/// The kernel skeleton every generated kernel runs in, tested once with hand-written bodies: every
/// length around each vector width, every alignment of the output, in place, a wider output than the
/// step's lane type, the non-temporal path, and reductions. Like the other Jit tests these run again
/// on the Vector256, Vector128 and scalar paths (<see cref="InstructionSetTests"/>).
/// </summary>
public class JitLoopTests
{
    private static IEnumerable<int> Lengths => Enumerable.Range(0, 300);

    [Fact]
    public void Map_writes_every_element_once_at_every_length_and_alignment_in_place()
    {
        InPlace<byte>();
        InPlace<short>();
        InPlace<int>();
        InPlace<long>();
        InPlace<float>();
        InPlace<double>();
    }

    private static void InPlace<T>()
        where T : unmanaged, INumber<T>
    {
        // A lane written twice would be incremented twice; a lane outside the span would change a guard.
        foreach (int offset in Enumerable.Range(0, 64 / Unsafe.SizeOf<T>() + 1))
        {
            foreach (int n in Lengths)
            {
                var buffer = new T[offset + n + 70];
                for (int i = 0; i < buffer.Length; i++)
                {
                    buffer[i] = T.CreateTruncating(i % 100);
                }

                var span = buffer.AsSpan(offset, n);
                JitLoop.Map<T, T, Increment<T>>(new Increment<T>(span), ref MemoryMarshal.GetReference(span), n, nonTemporal: true);
                for (int i = 0; i < buffer.Length; i++)
                {
                    var expected = T.CreateTruncating(i % 100) + (i >= offset && i < offset + n ? T.One : T.Zero);
                    Assert.True(buffer[i] == expected, $"{typeof(T).Name}, offset {offset}, length {n}: element {i} is {buffer[i]}, expected {expected}");
                }
            }
        }
    }

    [Fact]
    public void Map_with_an_output_wider_than_the_lanes_stores_every_part()
    {
        // One step is one vector of bytes and four vectors of ints, each stored at its own index.
        var random = new Random(3);
        foreach (int offset in new[] { 0, 1, 3, 8 })
        {
            foreach (int n in Lengths.Append(100_003))
            {
                var x = new byte[n];
                random.NextBytes(x);
                var buffer = Enumerable.Repeat(-7, offset + n + 70).ToArray();
                var r = buffer.AsSpan(offset, n);
                JitLoop.Map<byte, int, Widen>(new Widen(x, r), ref MemoryMarshal.GetReference(r), n, nonTemporal: true);
                for (int i = 0; i < buffer.Length; i++)
                {
                    int expected = i >= offset && i < offset + n ? x[i - offset] * 3 : -7;
                    Assert.True(buffer[i] == expected, $"offset {offset}, length {n}: element {i} is {buffer[i]}, expected {expected}");
                }
            }
        }
    }

    [Fact]
    public void Large_outputs_take_the_non_temporal_path_aligned_or_not()
    {
        // 256 KB and more stream past the cache when the main loop's stores are aligned; a span that
        // starts 4 bytes into a 64-byte line cannot be, and stores normally.
        foreach (int n in new[] { 32_767, 32_768, 100_003 })
        {
            foreach (var (start, seed) in new[] { (0, 1), (1, 2), (5, 3) })
            {
                var random = new Random(seed);
                var source = Enumerable.Range(0, n + start).Select(_ => random.NextDouble()).ToArray();
                var expected = source.Select(v => v + 1).ToArray();
                var floats = source.Select(v => (float)v).ToArray();
                JitLoop.Map<double, double, Increment<double>>(new Increment<double>(source.AsSpan(start)), ref source[start], n, nonTemporal: true);
                Assert.Equal(expected.AsSpan(start).ToArray(), source.AsSpan(start).ToArray());
                JitLoop.Map<float, float, Increment<float>>(new Increment<float>(floats.AsSpan(start)), ref floats[start], n, nonTemporal: true);
                Assert.Equal(expected.AsSpan(start).ToArray().Select(v => (float)(v - 1) + 1f), floats.AsSpan(start).ToArray());
            }
        }
    }

    [Fact]
    public void Reduce_combines_several_accumulators_over_every_length()
    {
        var random = new Random(4);
        foreach (int n in Lengths.Append(1_000_003))
        {
            var x = Enumerable.Range(0, n).Select(_ => random.Next()).ToArray();
            var (sum, max) = JitLoop.Reduce<int, SumAndMax, (long, int), (Vector128<long>, Vector128<int>), (Vector256<long>, Vector256<int>), (Vector512<long>, Vector512<int>)>(new SumAndMax(x), n);
            Assert.Equal(x.Sum(v => (long)v), sum);
            Assert.Equal(n == 0 ? int.MinValue : x.Max(), max);
        }
    }

    [Fact]
    public void Across_lanes_min_and_max_order_like_Math()
    {
        // NaN anywhere wins, and -0.0 is below +0.0, as Math.Min/Max and the scalar loop say.
        var v = Vector128.Create(1.0, 2.0);
        Assert.True(double.IsNaN(JitVector.Min(v, Vector128.Create(double.NaN, 0.0), v, v)));
        Assert.True(double.IsNegative(JitVector.Min(Vector128.Create(0.0, -0.0), v, v, v)));
        Assert.True(double.IsPositive(JitVector.Max(Vector128.Create(-0.0, 0.0), -v, -v, -v)));
        Assert.Equal(24.0, JitVector.Product(Vector128.Create(1.0, 2.0), Vector128.Create(3.0, 1.0), Vector128.Create(4.0, 1.0), Vector128.Create(1.0, 1.0)));
        Assert.Equal(Vector256<int>.Count + 3, JitVector.Sum(Vector256.Create(1), Vector256.Create(0), Vector256<int>.Zero.WithElement(2, 3), Vector256<int>.Zero));
    }

    /// <summary><c>x[i] += 1</c>, in place.</summary>
    private readonly ref struct Increment<T>(Span<T> x) : IJitMapBody
        where T : unmanaged, INumber<T>
    {
        private readonly ref T x = ref MemoryMarshal.GetReference(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step512<TStore>(nuint i, TStore store)
            where TStore : struct, IJitStore => store.Store(Vector512.LoadUnsafe(ref x, i) + Vector512<T>.One, ref x, i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step256<TStore>(nuint i, TStore store)
            where TStore : struct, IJitStore => store.Store(Vector256.LoadUnsafe(ref x, i) + Vector256<T>.One, ref x, i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step128<TStore>(nuint i, TStore store)
            where TStore : struct, IJitStore => store.Store(Vector128.LoadUnsafe(ref x, i) + Vector128<T>.One, ref x, i);

        public void Step(nuint i) => Unsafe.Add(ref x, i) += T.One;
    }

    /// <summary><c>r[i] = x[i] * 3</c> from bytes to ints: four int vectors per byte vector.</summary>
    private readonly ref struct Widen(ReadOnlySpan<byte> x, Span<int> r) : IJitMapBody
    {
        private readonly ref byte x = ref MemoryMarshal.GetReference(x);
        private readonly ref int r = ref MemoryMarshal.GetReference(r);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step512<TStore>(nuint i, TStore store)
            where TStore : struct, IJitStore
        {
            var (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref x, i));
            nuint part = (nuint)Vector512<int>.Count;
            store.Store(Vector512.WidenLower(low).AsInt32() * 3, ref r, i);
            store.Store(Vector512.WidenUpper(low).AsInt32() * 3, ref r, i + part);
            store.Store(Vector512.WidenLower(high).AsInt32() * 3, ref r, i + 2 * part);
            store.Store(Vector512.WidenUpper(high).AsInt32() * 3, ref r, i + 3 * part);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step256<TStore>(nuint i, TStore store)
            where TStore : struct, IJitStore
        {
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref x, i));
            nuint part = (nuint)Vector256<int>.Count;
            store.Store(Vector256.WidenLower(low).AsInt32() * 3, ref r, i);
            store.Store(Vector256.WidenUpper(low).AsInt32() * 3, ref r, i + part);
            store.Store(Vector256.WidenLower(high).AsInt32() * 3, ref r, i + 2 * part);
            store.Store(Vector256.WidenUpper(high).AsInt32() * 3, ref r, i + 3 * part);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step128<TStore>(nuint i, TStore store)
            where TStore : struct, IJitStore
        {
            var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref x, i));
            nuint part = (nuint)Vector128<int>.Count;
            store.Store(Vector128.WidenLower(low).AsInt32() * 3, ref r, i);
            store.Store(Vector128.WidenUpper(low).AsInt32() * 3, ref r, i + part);
            store.Store(Vector128.WidenLower(high).AsInt32() * 3, ref r, i + 2 * part);
            store.Store(Vector128.WidenUpper(high).AsInt32() * 3, ref r, i + 3 * part);
        }

        public void Step(nuint i) => Unsafe.Add(ref r, i) = Unsafe.Add(ref x, i) * 3;
    }

    /// <summary><c>sum += x[i]; max = Math.Max(max, x[i])</c>: two accumulators of different widths in one tuple.</summary>
    private readonly ref struct SumAndMax(ReadOnlySpan<int> x)
        : IJitReduceBody<(long, int), (Vector128<long>, Vector128<int>), (Vector256<long>, Vector256<int>), (Vector512<long>, Vector512<int>)>
    {
        private readonly ref int x = ref MemoryMarshal.GetReference(x);

        public (long, int) Identity => (0, int.MinValue);

        public (Vector512<long>, Vector512<int>) Identity512 => (Vector512<long>.Zero, Vector512.Create(int.MinValue));

        public (Vector256<long>, Vector256<int>) Identity256 => (Vector256<long>.Zero, Vector256.Create(int.MinValue));

        public (Vector128<long>, Vector128<int>) Identity128 => (Vector128<long>.Zero, Vector128.Create(int.MinValue));

        public (long, int) Step((long, int) acc, nuint i) => (acc.Item1 + Unsafe.Add(ref x, i), Math.Max(acc.Item2, Unsafe.Add(ref x, i)));

        public (Vector512<long>, Vector512<int>) Step512((Vector512<long>, Vector512<int>) acc, nuint i)
        {
            var v = Vector512.LoadUnsafe(ref x, i);
            var (low, high) = Vector512.Widen(v);
            return (acc.Item1 + low + high, Vector512.Max(acc.Item2, v));
        }

        public (Vector256<long>, Vector256<int>) Step256((Vector256<long>, Vector256<int>) acc, nuint i)
        {
            var v = Vector256.LoadUnsafe(ref x, i);
            var (low, high) = Vector256.Widen(v);
            return (acc.Item1 + low + high, Vector256.Max(acc.Item2, v));
        }

        public (Vector128<long>, Vector128<int>) Step128((Vector128<long>, Vector128<int>) acc, nuint i)
        {
            var v = Vector128.LoadUnsafe(ref x, i);
            var (low, high) = Vector128.Widen(v);
            return (acc.Item1 + low + high, Vector128.Max(acc.Item2, v));
        }

        public (long, int) Finish512((Vector512<long>, Vector512<int>) a0, (Vector512<long>, Vector512<int>) a1, (Vector512<long>, Vector512<int>) a2, (Vector512<long>, Vector512<int>) a3) =>
            (JitVector.Sum(a0.Item1, a1.Item1, a2.Item1, a3.Item1), JitVector.Max(a0.Item2, a1.Item2, a2.Item2, a3.Item2));

        public (long, int) Finish256((Vector256<long>, Vector256<int>) a0, (Vector256<long>, Vector256<int>) a1, (Vector256<long>, Vector256<int>) a2, (Vector256<long>, Vector256<int>) a3) =>
            (JitVector.Sum(a0.Item1, a1.Item1, a2.Item1, a3.Item1), JitVector.Max(a0.Item2, a1.Item2, a2.Item2, a3.Item2));

        public (long, int) Finish128((Vector128<long>, Vector128<int>) a0, (Vector128<long>, Vector128<int>) a1, (Vector128<long>, Vector128<int>) a2, (Vector128<long>, Vector128<int>) a3) =>
            (JitVector.Sum(a0.Item1, a1.Item1, a2.Item1, a3.Item1), JitVector.Max(a0.Item2, a1.Item2, a2.Item2, a3.Item2));
    }
}
