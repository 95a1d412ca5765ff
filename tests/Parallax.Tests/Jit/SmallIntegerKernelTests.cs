namespace Parallax.Tests.Jit;

/// <summary>
/// byte, sbyte, short, ushort, uint and ulong kernels against their scalar bodies on lengths 0..257
/// and 10^6, with MinValue, MaxValue, 0, 1 and all-bits-set mixed in: equal bit for bit, so every
/// add, multiply and negation wraps exactly like the promoted-then-cast scalar expression.
/// </summary>
public class SmallIntegerKernelTests
{
    internal static T[] I<T>(int n, int seed)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>, System.Numerics.IMinMaxValue<T> => JitTestData.Integers<T>(n, seed);

    private static void Compare<T, TResult>(Func<int, T> inputs, Func<T, TResult[]> kernel, Func<T, TResult[]> reference, string name)
        where TResult : unmanaged, System.Numerics.INumberBase<TResult> => JitTestData.Compare(inputs, kernel, reference, name);

    private static void CompareScalar<T, TResult>(Func<int, T> inputs, Func<T, TResult> kernel, Func<T, TResult> reference, string name)
    {
        foreach (int n in JitTestData.Lengths)
        {
            var input = inputs(n);
            Assert.True(Equals(reference(input), kernel(input)), $"{name}, length {n}: kernel {kernel(input)}, scalar {reference(input)}");
        }
    }

    [Fact]
    public void Small_integer_calls_are_intercepted()
    {
        // Only the kernel checks lengths up front; the scalar body would just return.
        Assert.Throws<ArgumentException>(() => SmallIntegerKernels.ByteAdd(new byte[3], new byte[4]));
        Assert.Throws<ArgumentException>(() => SmallIntegerKernels.ULongOps(new ulong[3], new ulong[4]));
        Assert.Equal(3, ((Func<byte[], byte[], byte[]>)SmallIntegerKernels.ByteAdd)(new byte[3], new byte[4]).Length);
    }

    [Fact]
    public void Byte_add_wraps_like_the_cast_scalar_sum() =>
        Compare(n => (I<byte>(n, 60), I<byte>(n, 61)), t => SmallIntegerKernels.ByteAdd(t.Item1, t.Item2), t => ((Func<byte[], byte[], byte[]>)SmallIntegerKernels.ByteAdd)(t.Item1, t.Item2), "ByteAdd");

    [Fact]
    public void Byte_multiply_and_bitwise_operators()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = I<byte>(n, 62);
            var y = I<byte>(n, 63);
            var expected = new byte[n];
            var actual = new byte[n];
            ((Action<byte[], byte[], byte[]>)SmallIntegerKernels.ByteBitwise)(x, y, expected);
            SmallIntegerKernels.ByteBitwise(x, y, actual);
            JitTestData.BitwiseEqual<byte>(expected, actual, $"ByteBitwise, length {n}");
        }
    }

    [Fact]
    public void SByte_comparisons_selects_min_max_and_negation() =>
        Compare(n => (I<sbyte>(n, 64), I<sbyte>(n, 65)), t => SmallIntegerKernels.SByteSelect(t.Item1, t.Item2), t => ((Func<sbyte[], sbyte[], sbyte[]>)SmallIntegerKernels.SByteSelect)(t.Item1, t.Item2), "SByteSelect");

    [Fact]
    public void Short_locals_broadcast_scalar_and_clamp()
    {
        foreach (short k in new short[] { 3, short.MinValue, -1 })
        {
            Compare(n => (I<short>(n, 66), I<short>(n, 67)), t => SmallIntegerKernels.ShortOps(t.Item1, t.Item2, k), t => ((Func<short[], short[], short, short[]>)SmallIntegerKernels.ShortOps)(t.Item1, t.Item2, k), $"ShortOps k={k}");
        }
    }

    [Fact]
    public void UShort_compound_assignment_in_place()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = I<ushort>(n, 68);
            var y = I<ushort>(n, 69);
            var expected = (ushort[])x.Clone();
            ((Action<ushort[], ushort[]>)SmallIntegerKernels.UShortInPlace)(expected, y);
            SmallIntegerKernels.UShortInPlace(x, y);
            JitTestData.BitwiseEqual<ushort>(expected, x, $"UShortInPlace, length {n}");
        }
    }

    [Fact]
    public void UInt_and_ULong_arithmetic_compare_unsigned()
    {
        Compare(n => (I<uint>(n, 70), I<uint>(n, 71)), t => SmallIntegerKernels.UIntOps(t.Item1, t.Item2), t => ((Func<uint[], uint[], uint[]>)SmallIntegerKernels.UIntOps)(t.Item1, t.Item2), "UIntOps");
        Compare(n => (I<ulong>(n, 72), I<ulong>(n, 73)), t => SmallIntegerKernels.ULongOps(t.Item1, t.Item2), t => ((Func<ulong[], ulong[], ulong[]>)SmallIntegerKernels.ULongOps)(t.Item1, t.Item2), "ULongOps");
    }

    [Fact]
    public void Unsigned_conversions_match_the_scalar_casts()
    {
        Compare(n => JitTestData.Floats(n, 74), x => SmallIntegerKernels.FloatToUInt(x), x => ((Func<float[], uint[]>)SmallIntegerKernels.FloatToUInt)(x), "FloatToUInt");
        Compare(n => (I<uint>(n, 75), JitTestData.Ints(n, 76)), t => SmallIntegerKernels.UIntToFloat(t.Item1, t.Item2), t => ((Func<uint[], int[], float[]>)SmallIntegerKernels.UIntToFloat)(t.Item1, t.Item2), "UIntToFloat");
        Compare(n => JitTestData.Doubles(n, 77), x => SmallIntegerKernels.DoubleToULong(x), x => ((Func<double[], ulong[]>)SmallIntegerKernels.DoubleToULong)(x), "DoubleToULong");
        Compare(n => (I<ulong>(n, 78), JitTestData.Longs(n, 79)), t => SmallIntegerKernels.ULongToDouble(t.Item1, t.Item2), t => ((Func<ulong[], long[], double[]>)SmallIntegerKernels.ULongToDouble)(t.Item1, t.Item2), "ULongToDouble");
    }

    [Fact]
    public void Small_integer_reductions_wrap_like_the_scalar_loop()
    {
        CompareScalar(n => I<byte>(n, 80), x => SmallIntegerKernels.ByteSum(x), x => ((Func<byte[], byte>)SmallIntegerKernels.ByteSum)(x), "ByteSum");
        CompareScalar(n => (I<byte>(n, 81), I<byte>(n, 82)), t => SmallIntegerKernels.ByteMaxMinusMin(t.Item1, t.Item2), t => ((ByteSpans)SmallIntegerKernels.ByteMaxMinusMin)(t.Item1, t.Item2), "ByteMaxMinusMin");
        CompareScalar(n => (I<short>(n, 83), I<ushort>(n, 84)), t => SmallIntegerKernels.SmallProducts(t.Item1, t.Item2), t => ((Func<short[], ushort[], long>)SmallIntegerKernels.SmallProducts)(t.Item1, t.Item2), "SmallProducts");
        foreach (uint threshold in new[] { 0u, 1u << 31, uint.MaxValue })
        {
            CompareScalar(n => I<uint>(n, 85), x => SmallIntegerKernels.UIntCountAndULongSum(x, threshold), x => ((Func<uint[], uint, ulong>)SmallIntegerKernels.UIntCountAndULongSum)(x, threshold), $"UIntCount threshold {threshold}");
        }
    }

    private delegate int ByteSpans(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y);
}

/// <summary>
/// Kernels over arrays of different widths (widen, narrow, convert across widths) against their
/// scalar loops, bit for bit, on lengths 0..257 and 10^6 with edge values.
/// </summary>
public class MixedWidthKernelTests
{
    private static T[] I<T>(int n, int seed)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>, System.Numerics.IMinMaxValue<T> => SmallIntegerKernelTests.I<T>(n, seed);

    [Fact]
    public void Float_widens_to_double_and_double_narrows_to_float()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var f = JitTestData.Floats(n, 100);
            var d = JitTestData.Doubles(n, 101);
            JitTestData.BitwiseEqual<double>(((Func<float[], double[], double[]>)MixedWidthKernels.FloatToDouble)(f, d), MixedWidthKernels.FloatToDouble(f, d), $"FloatToDouble, length {n}");
            JitTestData.BitwiseEqual<float>(((Func<double[], float[], float[]>)MixedWidthKernels.DoubleToFloat)(d, f), MixedWidthKernels.DoubleToFloat(d, f), $"DoubleToFloat, length {n}");
        }
    }

    [Fact]
    public void Int_long_and_double_in_one_loop_with_a_mask_across_widths()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Ints(n, 102);
            var l = JitTestData.Longs(n, 103);
            var d = JitTestData.Doubles(n, 104);
            var (dExpected, dActual) = ((double[])d.Clone(), (double[])d.Clone());
            var (nExpected, nActual) = (new int[n], new int[n]);
            var (wExpected, wActual) = (new long[n], new long[n]);
            ((Action<int[], long[], double[], int[], long[]>)MixedWidthKernels.IntLongDouble)(x, l, dExpected, nExpected, wExpected);
            MixedWidthKernels.IntLongDouble(x, l, dActual, nActual, wActual);
            JitTestData.BitwiseEqual<double>(dExpected, dActual, $"IntLongDouble d, length {n}");
            JitTestData.BitwiseEqual<int>(nExpected, nActual, $"IntLongDouble narrowed, length {n}");
            JitTestData.BitwiseEqual<long>(wExpected, wActual, $"IntLongDouble wide, length {n}");
        }
    }

    [Fact]
    public void Small_integers_widen_to_int_with_their_sign()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var (b, s, h, u) = (I<byte>(n, 105), I<sbyte>(n, 106), I<short>(n, 107), I<ushort>(n, 108));
            JitTestData.BitwiseEqual<int>(((Func<byte[], sbyte[], short[], ushort[], int[]>)MixedWidthKernels.BytesToInts)(b, s, h, u), MixedWidthKernels.BytesToInts(b, s, h, u), $"BytesToInts, length {n}");
        }
    }

    [Fact]
    public void Ints_narrow_to_bytes_and_shorts_by_wrapping()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Ints(n, 109);
            var l = JitTestData.Longs(n, 110);
            var (rExpected, rActual) = (new byte[n], new byte[n]);
            var (hExpected, hActual) = (new short[n], new short[n]);
            ((Action<int[], long[], byte[], short[]>)MixedWidthKernels.IntsToBytes)(x, l, rExpected, hExpected);
            MixedWidthKernels.IntsToBytes(x, l, rActual, hActual);
            JitTestData.BitwiseEqual<byte>(rExpected, rActual, $"IntsToBytes bytes, length {n}");
            JitTestData.BitwiseEqual<short>(hExpected, hActual, $"IntsToBytes shorts, length {n}");
        }
    }

    [Fact]
    public void Integers_convert_exactly_to_float_and_double_and_floats_saturate_to_long()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var (b, h, u) = (I<byte>(n, 111), I<short>(n, 112), I<uint>(n, 113));
            var (fExpected, fActual) = (new float[n], new float[n]);
            var (dExpected, dActual) = (new double[n], new double[n]);
            ((Action<byte[], short[], uint[], float[], double[]>)MixedWidthKernels.SmallToFloats)(b, h, u, fExpected, dExpected);
            MixedWidthKernels.SmallToFloats(b, h, u, fActual, dActual);
            JitTestData.BitwiseEqual<float>(fExpected, fActual, $"SmallToFloats f, length {n}");
            JitTestData.BitwiseEqual<double>(dExpected, dActual, $"SmallToFloats d, length {n}");

            var x = JitTestData.Floats(n, 114);
            var (lExpected, lActual) = (new long[n], new long[n]);
            var (uExpected, uActual) = (new ulong[n], new ulong[n]);
            ((Action<float[], long[], ulong[]>)MixedWidthKernels.FloatToLong)(x, lExpected, uExpected);
            MixedWidthKernels.FloatToLong(x, lActual, uActual);
            JitTestData.BitwiseEqual<long>(lExpected, lActual, $"FloatToLong, length {n}");
            JitTestData.BitwiseEqual<ulong>(uExpected, uActual, $"FloatToULong, length {n}");
        }
    }

    [Fact]
    public void A_double_mask_selects_bytes_across_eight_vectors()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 117);
            var y = I<byte>(n, 118);
            JitTestData.BitwiseEqual<byte>(((Func<double[], byte[], byte[]>)MixedWidthKernels.MaskAcrossEightWidths)(x, y), MixedWidthKernels.MaskAcrossEightWidths(x, y), $"MaskAcrossEightWidths, length {n}");
        }
    }

    [Fact]
    public void Reductions_accumulate_narrow_data_in_wide_lanes()
    {
        foreach (int n in JitTestData.Lengths)
        {
            // Small integers times small integers: every product and partial sum is exact in double, so order does not matter.
            var x = Enumerable.Range(0, n).Select(i => (double)((i * 7919) % 41 - 20)).ToArray();
            var b = I<byte>(n, 119);
            Assert.Equal(((Func<double[], byte[], double>)MixedWidthKernels.MinAndDotOverBytes)(x, b), MixedWidthKernels.MinAndDotOverBytes(x, b));
        }

        foreach (int n in JitTestData.Lengths)
        {
            var x = I<byte>(n, 115);
            var y = JitTestData.Ints(n, 116);
            Assert.Equal(((Func<byte[], int[], long>)MixedWidthKernels.ByteSumToLong)(x, y), MixedWidthKernels.ByteSumToLong(x, y));

            // A float dot accumulated in double: every product is exact in double, so only the order of the adds differs.
            var f = Enumerable.Range(0, n).Select(i => (float)((i % 7) - 3)).ToArray();
            var g = Enumerable.Range(0, n).Select(i => (float)((i % 5) * 0.5)).ToArray();
            Assert.Equal(((Func<float[], float[], double>)MixedWidthKernels.FloatDotInDouble)(f, g), MixedWidthKernels.FloatDotInDouble(f, g));
        }
    }
}

/// <summary>Shifts: C# masks the count by the promoted type's width; kernels must match that and the sign extension.</summary>
public class ShiftKernelTests
{
    [Fact]
    public void Shifts_match_the_scalar_loop_at_every_width()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var (x, u, l) = (JitTestData.Ints(n, 120), SmallIntegerKernelTests.I<uint>(n, 121), JitTestData.Longs(n, 122));
            foreach (int k in new[] { 0, 5, 31, 37 })
            {
                var (r1, ru1, rl1) = (new int[n], new uint[n], new long[n]);
                var (r2, ru2, rl2) = (new int[n], new uint[n], new long[n]);
                ((IntShiftsDelegate)ShiftKernels.IntShifts)(x, u, l, k, r1, ru1, rl1);
                ShiftKernels.IntShifts(x, u, l, k, r2, ru2, rl2);
                JitTestData.BitwiseEqual<int>(r1, r2, $"int shifts k={k}, length {n}");
                JitTestData.BitwiseEqual<uint>(ru1, ru2, $"uint shifts k={k}, length {n}");
                JitTestData.BitwiseEqual<long>(rl1, rl2, $"long shifts k={k}, length {n}");
            }

            var (b, s, h) = (SmallIntegerKernelTests.I<byte>(n, 123), SmallIntegerKernelTests.I<sbyte>(n, 124), SmallIntegerKernelTests.I<short>(n, 125));
            var (rb1, rs1, rh1) = (new byte[n], new sbyte[n], new short[n]);
            var (rb2, rs2, rh2) = (new byte[n], new sbyte[n], new short[n]);
            ((Action<byte[], sbyte[], short[], byte[], sbyte[], short[]>)ShiftKernels.SmallShifts)(b, s, h, rb1, rs1, rh1);
            ShiftKernels.SmallShifts(b, s, h, rb2, rs2, rh2);
            JitTestData.BitwiseEqual<byte>(rb1, rb2, $"byte shifts, length {n}");
            JitTestData.BitwiseEqual<sbyte>(rs1, rs2, $"sbyte shifts, length {n}");
            JitTestData.BitwiseEqual<short>(rh1, rh2, $"short shifts, length {n}");
        }
    }

    private delegate void IntShiftsDelegate(int[] x, uint[] u, long[] l, int k, int[] r, uint[] ru, long[] rl);
}

/// <summary>[Vectorize] and Parallel = true kernels over small integers and several widths.</summary>
public class SmallIntegerParallelAndVectorizeTests
{
    [Fact]
    public void Vectorize_over_bytes_and_mixed_widths()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var (a, b) = (SmallIntegerKernelTests.I<byte>(n, 130), SmallIntegerKernelTests.I<byte>(n, 131));
            var average = new byte[n];
            SmallIntegerParallelKernels.Average(a, b, average);
            JitTestData.BitwiseEqual<byte>(a.Zip(b, SmallIntegerParallelKernels.Average).ToArray(), average, $"Average, length {n}");

            var h = SmallIntegerKernelTests.I<short>(n, 132);
            var gain = JitTestData.Floats(n, 133);
            var scaled = new float[n];
            SmallIntegerParallelKernels.Scale(h, gain, scaled);
            JitTestData.BitwiseEqual<float>(h.Zip(gain, SmallIntegerParallelKernels.Scale).ToArray(), scaled, $"Scale, length {n}");
        }
    }

    [Fact]
    public void Parallel_reduction_of_bytes_times_ints_in_long_lanes_is_exact()
    {
        foreach (int n in new[] { 0, 1, 63, 64, 65, 1000, 1_000_000 })
        {
            var x = SmallIntegerKernelTests.I<byte>(n, 134);
            var w = JitTestData.Ints(n, 135);
            Assert.Equal(((Func<byte[], int[], long>)SmallIntegerParallelKernels.WeightedSum)(x, w), SmallIntegerParallelKernels.WeightedSum(x, w));
        }
    }
}
