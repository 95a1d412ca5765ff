using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Notebook.Sections;
using Parallax;

namespace Parallax.Benchmarks.Threads;

/// <summary>
/// The seed's GIL experiment as a benchmark, on the Notebook's own code: factorial(100000) as the seed
/// writes it (a running product) and as a product tree, once on one [Thread] and twice on two at once.
/// The baseline row is the seed's code on one thread; CPython's anchor on this machine kind is 2.16 s
/// for one and 5.62 s for two (FIGURES.md). Read a two-thread row against twice its one-thread row: a
/// ratio equal to it means a 2x speed-up. Each op takes seconds, so this monitors a few single runs.
/// Run: dotnet run -c Release --project tests/Parallax.Benchmarks -- --filter '*GilBenchmarks*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class GilBenchmarks
{
    [Params(100_000)]
    public int Number { get; set; }

    [Benchmark(Baseline = true, Description = "running product, 1 thread (the seed)")]
    public void NaiveOneThread() => Run(GilExperiment.FactorialThread(Number));

    [Benchmark(Description = "running product, 2 threads at once")]
    public void NaiveTwoThreads() => Run(GilExperiment.FactorialThread(Number), GilExperiment.FactorialThread(Number));

    [Benchmark(Description = "product tree, 1 thread")]
    public void TreeOneThread() => Run(GilExperiment.FactorialTreeThread(Number));

    [Benchmark(Description = "product tree, 2 threads at once")]
    public void TreeTwoThreads() => Run(GilExperiment.FactorialTreeThread(Number), GilExperiment.FactorialTreeThread(Number));

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
