using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace Parallax.Benchmarks.Jit;

/// <summary>Loops over byte data and across widths, written as users write them (C# promotes bytes to int).</summary>
public static partial class JitSmallIntegerKernels
{
    [Jit]
    public static void ByteAdd(byte[] x, byte[] y, byte[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = (byte)(x[i] + y[i]);
    }

    [Jit]
    public static void BytesToFloats(byte[] x, float scale, float[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * scale;
    }

    [Jit]
    public static void ForwardDiff(double[] x, double[] r)
    {
        for (int i = 0; i < r.Length; i++) r[i] = x[i + 1] - x[i];
    }
}

/// <summary>
/// 10M bytes, into a destination: [Jit] byte add against TensorPrimitives.Add&lt;byte&gt; (the anchor)
/// and the scalar method body; a byte → float scale (one byte vector widened to four float vectors)
/// against TensorPrimitives.ConvertTruncating + Multiply; a forward difference x[i + 1] - x[i] over
/// 10M doubles against TensorPrimitives.Subtract on shifted spans.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class SmallIntegerBenchmarks
{
    private const int N = 10_000_000;
    private static readonly Action<byte[], byte[], byte[]> ScalarByteAdd = JitSmallIntegerKernels.ByteAdd;
    private static readonly Action<byte[], float, float[]> ScalarBytesToFloats = JitSmallIntegerKernels.BytesToFloats;
    private static readonly Action<double[], double[]> ScalarDiff = JitSmallIntegerKernels.ForwardDiff;
    private byte[] _x = [], _y = [], _r = [];
    private float[] _f = [];
    private double[] _d = [], _dr = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _x = new byte[N];
        _y = new byte[N];
        random.NextBytes(_x);
        random.NextBytes(_y);
        _r = new byte[N];
        _f = new float[N];
        _d = Enumerable.Range(0, N + 1).Select(_ => random.NextDouble()).ToArray();
        _dr = new double[N];
    }

    [Benchmark(Baseline = true, Description = "TensorPrimitives.Add<byte>")]
    public void TensorByteAdd() => TensorPrimitives.Add<byte>(_x, _y, _r);

    [Benchmark(Description = "[Jit] (byte)(x[i] + y[i])")]
    public void JitByteAdd() => JitSmallIntegerKernels.ByteAdd(_x, _y, _r);

    [Benchmark(Description = "scalar byte add (the method body)")]
    public void ScalarLoopByteAdd() => ScalarByteAdd(_x, _y, _r);

    [Benchmark(Description = "TensorPrimitives.ConvertTruncating<byte, float> + Multiply")]
    public void TensorBytesToFloats()
    {
        TensorPrimitives.ConvertTruncating<byte, float>(_x, _f);
        TensorPrimitives.Multiply(_f, 0.5f, _f);
    }

    [Benchmark(Description = "[Jit] x[i] * scale, byte -> float")]
    public void JitBytesToFloats() => JitSmallIntegerKernels.BytesToFloats(_x, 0.5f, _f);

    [Benchmark(Description = "scalar byte -> float (the method body)")]
    public void ScalarLoopBytesToFloats() => ScalarBytesToFloats(_x, 0.5f, _f);

    [Benchmark(Description = "TensorPrimitives.Subtract, shifted spans")]
    public void TensorDiff() => TensorPrimitives.Subtract(_d.AsSpan(1), _d.AsSpan(0, N), _dr);

    [Benchmark(Description = "[Jit] x[i + 1] - x[i]")]
    public void JitDiff() => JitSmallIntegerKernels.ForwardDiff(_d, _dr);

    [Benchmark(Description = "scalar x[i + 1] - x[i] (the method body)")]
    public void ScalarLoopDiff() => ScalarDiff(_d, _dr);
}
