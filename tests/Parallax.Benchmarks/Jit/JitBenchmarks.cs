using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Parallax.Samples;

namespace Parallax.Benchmarks.Jit;

/// <summary>Shared inputs: the seed's arr_sum size, 10M doubles of randn-like data.</summary>
public abstract class JitBenchmarkBase
{
    protected const int N = 10_000_000;
    protected double[] X = [];
    protected double[] Y = [];
    protected double[] R = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        X = Enumerable.Range(0, N).Select(_ => random.NextDouble() - 0.5).ToArray();
        Y = Enumerable.Range(0, N).Select(_ => random.NextDouble() - 0.5).ToArray();
        R = new double[N];
    }
}

/// <summary>
/// The seed's arr_sum, result allocated: [Jit] against the simplest hand-written C# that does the same,
/// TensorPrimitives.Add into GC.AllocateUninitializedArray (the baseline: goal ≤ 1.1×), and against the
/// plain loop and TensorPrimitives into a zeroed new double[]. Each call may meet fresh pages: a
/// second job keeps freed memory committed (DOTNET_GCRetainVM=1). Numba's figures for the same loop
/// are in FIGURES.md and in the Notebook's --anchors run.
/// </summary>
[Config(typeof(RetainVmConfig))]
[MemoryDiagnoser(displayGenColumns: false)]
public class ArrSumBenchmarks : JitBenchmarkBase
{
    [Benchmark(Baseline = true, Description = "TensorPrimitives.Add, AllocateUninitializedArray")]
    public double[] TensorUninitialized()
    {
        var r = GC.AllocateUninitializedArray<double>(X.Length);
        TensorPrimitives.Add(X, Y, r);
        return r;
    }

    [Benchmark(Description = "[Jit] ArrSum")]
    public double[] Jit() => SeedKernels.ArrSum(X, Y);

    [Benchmark(Description = "TensorPrimitives.Add, new double[]")]
    public double[] Tensor()
    {
        var r = new double[X.Length];
        TensorPrimitives.Add(X, Y, r);
        return r;
    }

    [Benchmark(Description = "plain loop (ArrSumLoop)")]
    public double[] ScalarLoop() => SeedKernels.ArrSumLoop(X, Y);
}

/// <summary>The default GC settings, and the same with DOTNET_GCRetainVM=1.</summary>
public sealed class RetainVmConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public RetainVmConfig()
    {
        var job = BenchmarkDotNet.Jobs.Job.Default.WithWarmupCount(3).WithIterationCount(10);
        AddJob(job.WithId("default GC"));
        AddJob(job.WithEnvironmentVariables(new BenchmarkDotNet.Jobs.EnvironmentVariable("DOTNET_GCRetainVM", "1")).WithId("GCRetainVM=1"));
    }
}

/// <summary>arr_sum into a preallocated destination: [Jit] against TensorPrimitives.Add (goal ≤ 1.1×).</summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class AddIntoBenchmarks : JitBenchmarkBase
{
    private static readonly Action<double[], double[], double[]> Scalar = SeedKernels.AddInto;

    [Benchmark(Baseline = true, Description = "TensorPrimitives.Add")]
    public void Tensor() => TensorPrimitives.Add(X, Y, R);

    [Benchmark(Description = "[Jit] AddInto")]
    public void Jit() => SeedKernels.AddInto(X, Y, R);

    [Benchmark(Description = "scalar loop (the method body)")]
    public void ScalarLoop() => Scalar(X, Y, R);
}

/// <summary>FastMath reductions against TensorPrimitives.Dot and Sum (goal ≤ 1.1×).</summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class ReductionBenchmarks : JitBenchmarkBase
{
    private static readonly Func<double[], double[], double> ScalarDot = SeedKernels.Dot;

    [Benchmark(Baseline = true, Description = "TensorPrimitives.Dot")]
    public double TensorDot() => TensorPrimitives.Dot(X, Y);

    [Benchmark(Description = "[Jit(FastMath)] Dot")]
    public double JitDot() => SeedKernels.Dot(X, Y);

    [Benchmark(Description = "scalar dot (the method body)")]
    public double ScalarLoopDot() => ScalarDot(X, Y);

    [Benchmark(Description = "TensorPrimitives.Sum")]
    public double TensorSum() => TensorPrimitives.Sum(X);

    [Benchmark(Description = "[Jit(FastMath)] Sum")]
    public double JitSum() => SeedKernels.Sum(X);
}

/// <summary>
/// x*x + sin(y), the example: Parallel = true against the one-core kernel (goal ≥ 1.7× on 2 cores).
/// With AVX-512 one core computes it nearly as fast as memory delivers 24 bytes per element, so it
/// measures bandwidth as much as cores; <see cref="ComputeBoundParallelBenchmarks"/> is the compute-bound case.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class ParallelBenchmarks : JitBenchmarkBase
{
    private static readonly Action<double[], double[], double[]> Scalar = SeedKernels.SquarePlusSin;

    [Benchmark(Baseline = true, Description = "[Jit] one core")]
    public void OneCore() => SeedKernels.SquarePlusSin(X, Y, R);

    [Benchmark(Description = "[Jit(Parallel = true)]")]
    public void AllCores() => SeedKernels.SquarePlusSinParallel(X, Y, R);

    [Benchmark(Description = "scalar loop (Math.Sin)")]
    public void ScalarLoop() => Scalar(X, Y, R);
}

/// <summary>
/// sin(x)·cos(y) + exp(−x²) + sin(x·y): four transcendentals per element, compute-bound on one core;
/// Parallel = true against it. The calibration row is what two cores give this kernel at that moment
/// with no splitting machinery at all: two threads started by hand, each running the one-core kernel
/// on its own half. On a shared VM a core's throughput for this code varies (its host core may be
/// busy with another tenant's work), so read the Parallel row against the calibration too.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class ComputeBoundParallelBenchmarks : JitBenchmarkBase
{
    private static readonly Action<double[], double[], double[]> Scalar = JitKernels.Wave;
    private double[][] halvesX = [];
    private double[][] halvesY = [];
    private double[][] halvesR = [];

    [GlobalSetup(Target = nameof(TwoThreadsByHand))]
    public void SetupHalves()
    {
        Setup();
        halvesX = [X[..(N / 2)], X[(N / 2)..]];
        halvesY = [Y[..(N / 2)], Y[(N / 2)..]];
        halvesR = [new double[N / 2], new double[N - (N / 2)]];
    }

    [Benchmark(Baseline = true, Description = "[Jit] one core")]
    public void OneCore() => JitKernels.Wave(X, Y, R);

    [Benchmark(Description = "[Jit(Parallel = true)]")]
    public void AllCores() => JitKernels.WaveParallel(X, Y, R);

    [Benchmark(Description = "calibration: 2 threads by hand, one half each")]
    public void TwoThreadsByHand()
    {
        var other = new Thread(() => JitKernels.Wave(halvesX[1], halvesY[1], halvesR[1]));
        other.Start();
        JitKernels.Wave(halvesX[0], halvesY[0], halvesR[0]);
        other.Join();
    }

    [Benchmark(Description = "scalar loop (Math.Sin, Cos, Exp)")]
    public void ScalarLoop() => Scalar(X, Y, R);
}
