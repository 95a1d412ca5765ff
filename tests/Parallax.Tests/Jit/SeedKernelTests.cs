using Parallax.Samples;

namespace Parallax.Tests.Jit;

/// <summary>
/// The seed's kernels that samples/Jit, the Notebook and the benchmarks run (samples/Jit/Shared/SeedKernels.cs,
/// compiled into this project too): each against its own scalar body, through a method group, which
/// interceptors do not redirect. ArrSum, Dot and Sum are checked with the other element-wise and reduction kernels.
/// </summary>
public class SeedKernelTests
{
    private static readonly int[] Lengths = [0, 1, 7, 8, 9, 63, 64, 65, 1000, 33_333, 1_000_003];

    [Fact]
    public void AddInto_matches_the_plain_loop_bit_for_bit()
    {
        foreach (int n in Lengths)
        {
            var x = JitTestData.Doubles(n, 70);
            var y = JitTestData.Doubles(n, 71);
            var expected = new double[n];
            ((Action<double[], double[], double[]>)SeedKernels.AddInto)(x, y, expected);
            var actual = new double[n];
            SeedKernels.AddInto(x, y, actual);
            JitTestData.BitwiseEqual<double>(expected, actual, $"AddInto, length {n}");
            JitTestData.BitwiseEqual<double>(SeedKernels.ArrSumLoop(x, y), actual, $"AddInto against ArrSumLoop, length {n}");
        }
    }

    [Fact]
    public void SquarePlusSin_on_one_core_and_in_parallel_stays_within_the_fast_math_bound()
    {
        foreach (int n in Lengths)
        {
            var random = new Random(n);
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 200 - 100).ToArray();
            var expected = new double[n];
            ((Action<double[], double[], double[]>)SeedKernels.SquarePlusSin)(x, y, expected);
            var one = new double[n];
            SeedKernels.SquarePlusSin(x, y, one);
            var all = new double[n];
            SeedKernels.SquarePlusSinParallel(x, y, all);
            // Vector Sin is within 1 ulp of Math.Sin; where a chunk or the whole ends, the scalar remainder runs Math.Sin itself.
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(expected[i] - one[i]) <= 4e-15 * (1 + Math.Abs(expected[i])), $"one core, at {i} of {n}: {one[i]:R} vs {expected[i]:R}");
                Assert.True(Math.Abs(expected[i] - all[i]) <= 4e-15 * (1 + Math.Abs(expected[i])), $"parallel, at {i} of {n}: {all[i]:R} vs {expected[i]:R}");
            }
        }
    }
}
