using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Parallax.Samples;

namespace Parallax.Benchmarks.Jit;

/// <summary>
/// Issue 13's Mandelbrot, 600×400 pixels, 500 iterations, the region numba's anchor draws
/// (shared/anchors/jit_kernels.py): the plain C# loop is the baseline, numba @njit and
/// @njit(parallel=True) stand beside it in the same session. Goals: [Jit] ≥ 4× plain C# on one core,
/// Parallel = true ≥ 1.8× that on 2 cores.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 15)]
[Config(typeof(NumbaAnchor.Config))]
public class MandelbrotBenchmarks
{
    public const int Width = 600, Height = 400, MaxIter = 500;
    public const double X0 = -2.0, Y0 = -1.2, Dx = 3.0 / Width, Dy = 2.4 / Height;
    private readonly int[,] counts = new int[Height, Width];

    [Benchmark(Baseline = true, Description = "plain C# loop")]
    [NumbaAnchor("mandelbrot 600x400x500 numba njit")]
    public void Plain() => PlainShapes.Mandelbrot(X0, Y0, Dx, Dy, MaxIter, counts);

    [Benchmark(Description = "[Jit] one core")]
    [NumbaAnchor("mandelbrot 600x400x500 numba njit")]
    public void Jit() => JitShapes.Mandelbrot(X0, Y0, Dx, Dy, MaxIter, counts);

    [Benchmark(Description = "[Jit(Parallel = true)]")]
    [NumbaAnchor("mandelbrot 600x400x500 numba njit parallel")]
    public void JitParallel() => JitShapes.MandelbrotParallel(X0, Y0, Dx, Dy, MaxIter, counts);

    private readonly int[,] top = new int[Height / 2, Width];
    private readonly int[,] bottom = new int[Height / 2, Width];

    /// <summary>
    /// What two cores give this kernel at that moment with no splitting machinery: two threads started
    /// by hand, each running the one-core kernel on half the rows (the halves mirror each other across
    /// the real axis, so they cost the same). On this shared VM a core's throughput varies from second
    /// to second; read the Parallel row against this one too.
    /// </summary>
    [Benchmark(Description = "calibration: 2 threads by hand, half the rows each")]
    public void TwoThreadsByHand()
    {
        var other = new Thread(() => JitShapes.Mandelbrot(X0, Y0 + Height / 2 * Dy, Dx, Dy, MaxIter, bottom));
        other.Start();
        JitShapes.Mandelbrot(X0, Y0, Dx, Dy, MaxIter, top);
        other.Join();
    }
}

/// <summary>
/// Issue 13's 4-point blur of a 2000×2000 double array into another: plain C# is the baseline, numba
/// @njit beside it. Goal: [Jit] ≥ 2× plain C# and ahead of numba.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 15)]
[Config(typeof(NumbaAnchor.Config))]
public class BlurBenchmarks
{
    public const int N = 2000;
    private double[,] src = new double[0, 0];
    private double[,] dst = new double[0, 0];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        src = new double[N, N];
        dst = new double[N, N];
        foreach (ref double v in Flat(src))
        {
            v = random.NextDouble();
        }
    }

    [Benchmark(Baseline = true, Description = "plain C# loop")]
    [NumbaAnchor("blur 2000^2 numba njit")]
    public void Plain() => PlainShapes.Blur(src, dst);

    [Benchmark(Description = "[Jit]")]
    [NumbaAnchor("blur 2000^2 numba njit")]
    public void Jit() => JitShapes.Blur(src, dst);

    /// <summary>All elements of a rectangular array, row after row, as one span.</summary>
    internal static Span<double> Flat(double[,] a) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(a)), a.Length);
}

/// <summary>
/// r[i, j] = x[i, j] + y[i, j] over 2000×5000 doubles (the 10M elements of the 1-D benchmarks):
/// TensorPrimitives.Add over the same three arrays' memory is the anchor (goal: [Jit] within 1.1×),
/// the plain nested loop beside it.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class Add2DBenchmarks
{
    public const int Rows = 2000, Columns = 5000;
    private double[,] x = new double[0, 0];
    private double[,] y = new double[0, 0];
    private double[,] r = new double[0, 0];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        x = new double[Rows, Columns];
        y = new double[Rows, Columns];
        r = new double[Rows, Columns];
        foreach (ref double v in BlurBenchmarks.Flat(x))
        {
            v = random.NextDouble() - 0.5;
        }

        foreach (ref double v in BlurBenchmarks.Flat(y))
        {
            v = random.NextDouble() - 0.5;
        }
    }

    [Benchmark(Baseline = true, Description = "TensorPrimitives.Add over the arrays' memory")]
    public void Tensor() => TensorPrimitives.Add(BlurBenchmarks.Flat(x), BlurBenchmarks.Flat(y), BlurBenchmarks.Flat(r));

    [Benchmark(Description = "[Jit] nested loop")]
    public void Jit() => JitShapes.Add(x, y, r);

    [Benchmark(Description = "plain C# nested loop")]
    public void Plain() => PlainShapes.Add(x, y, r);
}
