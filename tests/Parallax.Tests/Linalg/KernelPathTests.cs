namespace Parallax.Tests.Linalg;

/// <summary>
/// The AVX2 and scalar micro-kernels are only chosen on machines without AVX-512, so they are driven
/// directly here, through the same packing driver, to keep them honest on any CI machine (Vector512
/// falls back to software where AVX-512 is missing, so all three run everywhere).
/// </summary>
public unsafe class KernelPathTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(13, 35, 300)]
    [InlineData(70, 9, 5)]
    public void Every_kernel_matches_the_naive_loop(int m, int n, int k)
    {
        var a = Reference.Random(1, m * k);
        var b = Reference.Random(2, k * n);
        var c0 = Reference.Random(3, m * n);
        Check<Vector512Kernel<double>>(m, n, k, a, b, c0);
        Check<Vector256Kernel<double>>(m, n, k, a, b, c0);
        Check<ScalarKernel<double>>(m, n, k, a, b, c0);
    }

    [Fact]
    public void Float_kernels_match_the_naive_loop()
    {
        const int m = 11, n = 50, k = 70;
        var a = Array.ConvertAll(Reference.Random(4, m * k), x => (float)x);
        var b = Array.ConvertAll(Reference.Random(5, k * n), x => (float)x);
        foreach (var run in new Action<float[]>[]
        {
            c => Run<float, Vector512Kernel<float>>(m, n, k, a, b, c, 0f),
            c => Run<float, Vector256Kernel<float>>(m, n, k, a, b, c, 0f),
            c => Run<float, ScalarKernel<float>>(m, n, k, a, b, c, 0f),
        })
        {
            var c = new float[m * n];
            run(c);
            var c64 = Array.ConvertAll(c, x => (double)x);
            Reference.AssertGemm(Transpose.None, Transpose.None, m, n, k, 1, Array.ConvertAll(a, x => (double)x), k,
                Array.ConvertAll(b, x => (double)x), n, 0, c64, c64, n, 5.9604645e-08);
        }
    }

    private static void Check<TKernel>(int m, int n, int k, double[] a, double[] b, double[] c0)
        where TKernel : struct, IMicroKernel<double>
    {
        var c = (double[])c0.Clone();
        Run<double, TKernel>(m, n, k, a, b, c, 0.75);
        Reference.AssertGemm(Transpose.None, Transpose.None, m, n, k, 1, a, k, b, n, 0.75, c0, c, n, 1.1102230246251565e-16);
    }

    private static void Run<T, TKernel>(int m, int n, int k, T[] a, T[] b, T[] c, T beta)
        where T : unmanaged, System.Numerics.INumber<T>
        where TKernel : struct, IMicroKernel<T>
    {
        fixed (T* pa = a, pb = b, pc = c)
        {
            GemmDriver<T, TKernel>.Run(m, n, k, T.One, new StridedMatrix<T>(pa, k, 1), new StridedMatrix<T>(pb, n, 1), beta, pc, n);
        }
    }
}
