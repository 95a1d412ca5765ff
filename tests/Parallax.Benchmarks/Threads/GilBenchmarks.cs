using System.Numerics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Parallax;

namespace Parallax.Benchmarks.Threads;

/// <summary>
/// The seed's GIL experiment as a benchmark: factorial(100000) as the seed writes it (a running
/// product) and as a product tree, once on one [Thread] and twice on two at once. The baseline row
/// is the seed's own code on one thread; CPython's anchor on this machine kind is 2.16 s for one and
/// 5.62 s for two (FIGURES.md). Read two-thread rows against twice the one-thread row: a ratio near
/// 1.0 there means a 2x speed-up. Each op takes seconds, so this monitors a few single runs.
/// Run: dotnet run -c Release --project tests/Parallax.Benchmarks -- --filter '*GilBenchmarks*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public partial class GilBenchmarks
{
    [Params(100_000)]
    public int Number { get; set; }

    [Thread]
    private static BigInteger Naive(int number)
    {
        BigInteger fact = 1;
        for (int n = 1; n <= number; n++)
        {
            fact *= n;
        }

        return fact;
    }

    [Thread]
    private static BigInteger Tree(int number) => Product(1, number);

    private static BigInteger Product(int lo, int hi)
    {
        if (hi - lo < 32)
        {
            BigInteger acc = lo;
            for (int n = lo + 1; n <= hi; n++)
            {
                acc *= n;
            }

            return acc;
        }

        int mid = lo + ((hi - lo) / 2);
        return Product(lo, mid) * Product(mid + 1, hi);
    }

    [Benchmark(Baseline = true, Description = "running product, 1 thread (the seed)")]
    public void NaiveOneThread() => Run(NaiveThread(Number));

    [Benchmark(Description = "running product, 2 threads at once")]
    public void NaiveTwoThreads() => Run(NaiveThread(Number), NaiveThread(Number));

    [Benchmark(Description = "product tree, 1 thread")]
    public void TreeOneThread() => Run(TreeThread(Number));

    [Benchmark(Description = "product tree, 2 threads at once")]
    public void TreeTwoThreads() => Run(TreeThread(Number), TreeThread(Number));

    private static void Run(params ThreadHandle[] threads)
    {
        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }
    }
}
