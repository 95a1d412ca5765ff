using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using MemoryPack;

namespace Parallax.Benchmarks.Engines;

// HAND-WRITTEN STAND-INS for generator/Engines output (the generator is on another branch): the
// invokers register from a module initializer exactly as generated code does. After the merge the
// lead replaces the Submit calls with lambdas.
internal static class BenchStubs
{
    public const string Hello = "bench.hello";
    public const string Multiply = "bench.multiply";
    public const string CopyAToC = "bench.copy-a-to-c";
    public const string MultiplyBlock = "bench.multiply-block";

    public static EngineCall Call(string id) => new(id, [], typeof(BenchStubs).Assembly.Location);

    [ModuleInitializer]
    internal static void Register()
    {
        EngineDispatch.Register(Hello, _ => MemoryPackSerializer.Serialize("Hello!"));
        EngineDispatch.Register(Multiply, _ =>
        {
            Engine.Set("c", Kernel.Multiply(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"), Kernel.EngineThreads));
            return [];
        });
        EngineDispatch.Register(CopyAToC, _ =>
        {
            Engine.Set("c", Engine.Get<double[,]>("a"));
            return [];
        });
        EngineDispatch.Register(MultiplyBlock, _ =>
        {
            Engine.Set("cp", Kernel.Multiply(Engine.Get<double[,]>("ap"), Engine.Get<double[,]>("b"), Kernel.EngineThreads));
            return [];
        });
    }
}

/// <summary>
/// One row-streaming product used on both sides of the comparison (Linalg.Dot is on another branch):
/// the row block of C accumulates a[i,k] * row k of B with TensorPrimitives, rows split over threads.
/// </summary>
internal static class Kernel
{
    public static int EngineThreads => int.TryParse(Environment.GetEnvironmentVariable("PARALLAX_LINALG_THREADS"), out var t) ? t : Environment.ProcessorCount;

    public static unsafe double[,] Multiply(double[,] a, double[,] b, int threads)
    {
        int n = a.GetLength(0), m = a.GetLength(1), p = b.GetLength(1);
        var c = new double[n, p];
        fixed (double* pa = a, pb = b, pc = c)
        {
            var (aa, bb, cc) = ((nint)pa, (nint)pb, (nint)pc);
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var rows = (n + threads - 1) / threads;
                for (var i = t * rows; i < Math.Min(n, (t + 1) * rows); i++)
                {
                    var cRow = new Span<double>((double*)cc + ((long)i * p), p);
                    for (var k = 0; k < m; k++)
                    {
                        var bRow = new ReadOnlySpan<double>((double*)bb + ((long)k * p), p);
                        TensorPrimitives.MultiplyAdd(bRow, ((double*)aa)[((long)i * m) + k], cRow, cRow);
                    }
                }
            });
        }

        return c;
    }
}
