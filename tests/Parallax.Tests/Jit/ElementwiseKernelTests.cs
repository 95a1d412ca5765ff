using Parallax.Samples;

namespace Parallax.Tests.Jit;

/// <summary>
/// Each [Jit] kernel against its own scalar body (called through a method group, which interceptors
/// leave alone) on every length 0..257 and 10^6, with NaN, ±Inf, -0.0, subnormals and integer
/// overflow in the data: the results must be equal bit for bit.
/// </summary>
public class ElementwiseKernelTests
{
    private static void Compare<T, TResult>(Func<int, T> inputs, Func<T, TResult[]> kernel, Func<T, TResult[]> reference, string name)
        where TResult : unmanaged, System.Numerics.INumberBase<TResult> => JitTestData.Compare(inputs, kernel, reference, name);

    [Fact]
    public void Calls_are_intercepted_and_check_lengths_up_front()
    {
        // The scalar body would accept a longer y; the kernel requires equal lengths and says which.
        var e = Assert.Throws<ArgumentException>(() => SeedKernels.ArrSum(new double[3], new double[4]));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("'x' has 3", e.Message);
        Assert.Throws<ArgumentNullException>(() => SeedKernels.ArrSum(null!, new double[1]));
        Func<double[], double[], double[]> scalar = SeedKernels.ArrSum;
        Assert.Equal(3, scalar(new double[3], new double[4]).Length);

        // A delegate made from a lambda calls the method directly, so it runs the kernel (PAR1016
        // refuses the method group outside this project, where it is the scalar reference on purpose).
        Func<double[], double[], double[]> viaLambda = (a, b) => SeedKernels.ArrSum(a, b);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => viaLambda(new double[3], new double[4])).ParamName);
    }

    [Fact]
    public void ArrSum_matches_the_scalar_loop() =>
        Compare(n => (JitTestData.Doubles(n, 1), JitTestData.Doubles(n, 2)), t => SeedKernels.ArrSum(t.Item1, t.Item2), t => ((Func<double[], double[], double[]>)SeedKernels.ArrSum)(t.Item1, t.Item2), "ArrSum");

    [Fact]
    public void AddInto_writes_the_destination_and_works_in_place()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 3);
            var y = JitTestData.Doubles(n, 4);
            var expected = new double[n];
            var actual = new double[n];
            AddIntoDelegate scalar = Kernels.AddInto;
            scalar(x, y, expected);
            Kernels.AddInto(x, y, actual);
            JitTestData.BitwiseEqual<double>(expected, actual, $"AddInto, length {n}");

            // In place: the destination is also the first source, at the same index.
            var inPlace = (double[])x.Clone();
            Kernels.AddInto(inPlace, y, inPlace);
            JitTestData.BitwiseEqual<double>(expected, inPlace, $"AddInto in place, length {n}");
        }
    }

    private delegate void AddIntoDelegate(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> r);

    [Fact]
    public void A_destination_shifted_over_a_source_is_rejected()
    {
        var buffer = new double[100];
        var e = Assert.Throws<ArgumentException>(() => Kernels.AddInto(buffer.AsSpan(0, 50), buffer.AsSpan(50, 50), buffer.AsSpan(1, 50)));
        Assert.Equal("r", e.ParamName);
    }

    [Fact]
    public void AddInPlace_matches_including_aliased_arguments()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 5);
            var y = JitTestData.Doubles(n, 6);
            var expected = (double[])x.Clone();
            Action<double[], double[]> scalar = Kernels.AddInPlace;
            scalar(expected, y);
            var actual = (double[])x.Clone();
            Kernels.AddInPlace(actual, y);
            JitTestData.BitwiseEqual<double>(expected, actual, $"AddInPlace, length {n}");

            // x += x: both parameters are the same array.
            var twice = (double[])x.Clone();
            scalar(twice, twice);
            var twiceKernel = (double[])x.Clone();
            Kernels.AddInPlace(twiceKernel, twiceKernel);
            JitTestData.BitwiseEqual<double>(twice, twiceKernel, $"AddInPlace aliased, length {n}");
        }
    }

    [Fact]
    public void ScaleShift_broadcasts_scalars() =>
        Compare(n => JitTestData.Floats(n, 7), x => Kernels.ScaleShift(x, -1.5f, 0.25f), x => ((Func<float[], float, float, float[]>)Kernels.ScaleShift)(x, -1.5f, 0.25f), "ScaleShift");

    [Fact]
    public void IntOps_wrap_on_overflow_like_the_scalar_loop() =>
        Compare(n => (JitTestData.Ints(n, 8), JitTestData.Ints(n, 9)), t => Kernels.IntOps(t.Item1, t.Item2), t => ((Func<int[], int[], int[]>)Kernels.IntOps)(t.Item1, t.Item2), "IntOps");

    /// <summary>For kernels that write a destination parameter: both start from the same destination contents.</summary>
    private static void CompareInto<T, TResult>(Func<int, T> inputs, Func<int, TResult[]> destination, Action<T, TResult[]> kernel, Action<T, TResult[]> reference, string name)
        where TResult : unmanaged, System.Numerics.INumberBase<TResult>
    {
        foreach (int n in JitTestData.Lengths)
        {
            var input = inputs(n);
            var expected = destination(n);
            var actual = (TResult[])expected.Clone();
            reference(input, expected);
            kernel(input, actual);
            JitTestData.BitwiseEqual<TResult>(expected, actual, $"{name}, length {n}");
        }
    }

    [Fact]
    public void LongOps_into_a_destination_array() =>
        CompareInto(n => (JitTestData.Longs(n, 10), JitTestData.Longs(n, 11)), n => new long[n], (t, d) => Kernels.LongOps(t.Item1, t.Item2, d), (t, d) => ((Action<long[], long[], long[]>)Kernels.LongOps)(t.Item1, t.Item2, d), "LongOps");

    [Fact]
    public void DivNeg_keeps_signed_zeros_and_nans() =>
        Compare(n => (JitTestData.Doubles(n, 12), JitTestData.Doubles(n, 13)), t => Kernels.DivNeg(t.Item1, t.Item2), t => ((Func<double[], double[], double[]>)Kernels.DivNeg)(t.Item1, t.Item2), "DivNeg");

    [Fact]
    public void Several_statements_with_locals_and_compound_assignment() =>
        Compare(n => (JitTestData.Doubles(n, 14), JitTestData.Doubles(n, 15)), t => Kernels.Statements(t.Item1, t.Item2, 3.0), t => ((Func<double[], double[], double, double[]>)Kernels.Statements)(t.Item1, t.Item2, 3.0), "Statements");

    [Fact]
    public void Conditional_expression_is_a_masked_select() =>
        Compare(n => (JitTestData.Doubles(n, 16), JitTestData.Doubles(n, 17)), t => Kernels.Select(t.Item1, t.Item2), t => ((Func<double[], double[], double[]>)Kernels.Select)(t.Item1, t.Item2), "Select");

    [Fact]
    public void If_else_chains_become_masked_selects() =>
        Compare(n => (JitTestData.Floats(n, 18), JitTestData.Floats(n, 19)), t => Kernels.IfElse(t.Item1, t.Item2), t => ((Func<float[], float[], float[]>)Kernels.IfElse)(t.Item1, t.Item2), "IfElse");

    [Fact]
    public void If_without_else_keeps_the_old_element() =>
        CompareInto(n => JitTestData.Ints(n, 20), n => JitTestData.Ints(n, 21), (x, d) => Kernels.IfWithoutElse(x, d), (x, d) => ((Action<int[], int[]>)Kernels.IfWithoutElse)(x, d), "IfWithoutElse");

    [Fact]
    public void A_masked_store_leaves_the_other_elements_of_an_allocated_result_zero()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 31);
            var r = Kernels.PositivePart(x);
            JitTestData.BitwiseEqual<double>(((Func<double[], double[]>)Kernels.PositivePart)(x), r, $"PositivePart, length {n}");
            for (int i = 0; i < n; i++)
            {
                // Not only equal to the scalar loop: +0.0 exactly (bits 0) wherever x[i] > 0 is false, NaN included.
                Assert.True(x[i] > 0 ? r[i] == x[i] : BitConverter.DoubleToInt64Bits(r[i]) == 0, $"element {i} of {n}: x {x[i]}, r {r[i]}");
            }
        }
    }

    [Fact]
    public void Math_functions_match_bit_for_bit() =>
        Compare(n => (JitTestData.Doubles(n, 22), JitTestData.Doubles(n, 23)), t => Kernels.MathFunctions(t.Item1, t.Item2), t => ((Func<double[], double[], double[]>)Kernels.MathFunctions)(t.Item1, t.Item2), "MathFunctions");

    [Fact]
    public void MathF_functions_match_bit_for_bit() =>
        Compare(n => (JitTestData.Floats(n, 24), JitTestData.Floats(n, 25)), t => Kernels.MathFFunctions(t.Item1, t.Item2), t => ((Func<float[], float[], float[]>)Kernels.MathFFunctions)(t.Item1, t.Item2), "MathFFunctions");

    [Fact]
    public void Integer_min_max_clamp() =>
        Compare(n => (JitTestData.Longs(n, 26), JitTestData.Longs(n, 27)), t => Kernels.IntMinMax(t.Item1, t.Item2), t => ((Func<long[], long[], long[]>)Kernels.IntMinMax)(t.Item1, t.Item2), "IntMinMax");

    [Fact]
    public void Conversions_between_same_width_types() =>
        Compare(n => (JitTestData.Ints(n, 28), JitTestData.Floats(n, 29)), t => Kernels.IntToFloat(t.Item1, t.Item2), t => ((Func<int[], float[], float[]>)Kernels.IntToFloat)(t.Item1, t.Item2), "IntToFloat");

    [Fact]
    public void Double_to_long_saturates_like_the_scalar_cast() =>
        Compare(n => JitTestData.Doubles(n, 30), x => Kernels.DoubleToLong(x), x => ((Func<double[], long[]>)Kernels.DoubleToLong)(x), "DoubleToLong");

    /// <summary>
    /// The four FastMath functions in one expression; each alone is held to its own bound in
    /// <see cref="TranscendentalKernelTests"/>. Here the sum of their bounds, loosely, on [0, 100).
    /// </summary>
    [Fact]
    public void Transcendental_functions_stay_within_the_documented_ulp_bound()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var random = new Random(n);
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 100).ToArray();
            var expected = ((Func<double[], double[]>)Kernels.Transcendental)(x);
            var actual = Kernels.Transcendental(x);
            for (int i = 0; i < n; i++)
            {
                double tolerance = 4 * (Math.BitIncrement(Math.Abs(Math.Exp(x[i]))) - Math.Abs(Math.Exp(x[i])))
                    + 4 * (Math.BitIncrement(Math.Abs(Math.Log(x[i]))) - Math.Abs(Math.Log(x[i])))
                    + 8 * double.Epsilon + 8 * Math.Pow(2, -52);
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"Transcendental at {i} of {n}: x = {x[i]:R}, kernel {actual[i]:R}, Math {expected[i]:R}");
            }
        }
    }
}
