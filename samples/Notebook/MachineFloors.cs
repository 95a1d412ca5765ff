using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Notebook;

/// <summary>
/// What this machine can do at best, right now, for the floors the notebook prints beside its rows: the
/// rate of fused multiply-adds every core reaches (no memory traffic at all), and the time to touch
/// fresh memory once (the page faults a new result cannot avoid). Both are measured, not quoted: on a
/// shared virtual machine they move with the load. The benchmarks link this file too.
/// </summary>
internal static class MachineFloors
{
    /// <summary>GFLOP/s of Vector512 FMA chains on <paramref name="threads"/> threads at once (default: one per core), the best of three short runs.</summary>
    public static double FmaGflops(int? threads = null)
    {
        int count = threads ?? Environment.ProcessorCount;
        const long iterations = 20_000_000;
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, _ => FmaChains(iterations));
            best = Math.Max(best, count * iterations * 24 * 8 * 2 / clock.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    /// <summary>Seconds to write <paramref name="bytes"/> of memory the process never touched (a new array, filled once).</summary>
    public static double FreshTouchSeconds(long bytes)
    {
        var clock = Stopwatch.StartNew();
        var fresh = GC.AllocateUninitializedArray<byte>((int)Math.Min(bytes, Array.MaxLength));
        fresh.AsSpan().Fill(1);
        double seconds = clock.Elapsed.TotalSeconds * bytes / fresh.Length;
        GC.KeepAlive(fresh);
        return seconds;
    }

    /// <summary>24 independent FMA chains (8 doubles each): enough in flight to keep both FMA pipes busy through their latency.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double FmaChains(long iterations)
    {
        var m = Vector512.Create(0.999999);
        var x = Vector512.Create(1e-9);
        Vector512<double> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        Vector512<double> b0 = m, b1 = m, b2 = m, b3 = m, b4 = m, b5 = m, b6 = m, b7 = m, b8 = m, b9 = m, b10 = m, b11 = m;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, x); a1 = Vector512.FusedMultiplyAdd(a1, m, x); a2 = Vector512.FusedMultiplyAdd(a2, m, x);
            a3 = Vector512.FusedMultiplyAdd(a3, m, x); a4 = Vector512.FusedMultiplyAdd(a4, m, x); a5 = Vector512.FusedMultiplyAdd(a5, m, x);
            a6 = Vector512.FusedMultiplyAdd(a6, m, x); a7 = Vector512.FusedMultiplyAdd(a7, m, x); a8 = Vector512.FusedMultiplyAdd(a8, m, x);
            a9 = Vector512.FusedMultiplyAdd(a9, m, x); a10 = Vector512.FusedMultiplyAdd(a10, m, x); a11 = Vector512.FusedMultiplyAdd(a11, m, x);
            b0 = Vector512.FusedMultiplyAdd(b0, m, x); b1 = Vector512.FusedMultiplyAdd(b1, m, x); b2 = Vector512.FusedMultiplyAdd(b2, m, x);
            b3 = Vector512.FusedMultiplyAdd(b3, m, x); b4 = Vector512.FusedMultiplyAdd(b4, m, x); b5 = Vector512.FusedMultiplyAdd(b5, m, x);
            b6 = Vector512.FusedMultiplyAdd(b6, m, x); b7 = Vector512.FusedMultiplyAdd(b7, m, x); b8 = Vector512.FusedMultiplyAdd(b8, m, x);
            b9 = Vector512.FusedMultiplyAdd(b9, m, x); b10 = Vector512.FusedMultiplyAdd(b10, m, x); b11 = Vector512.FusedMultiplyAdd(b11, m, x);
        }

        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7 + b8 + b9 + b10 + b11;
        return Vector512.Sum(sum);
    }
}
