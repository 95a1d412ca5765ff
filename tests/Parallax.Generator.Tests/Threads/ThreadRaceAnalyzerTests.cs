using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Parallax.Generator.Tests.Harness;
using Parallax.Generator.Threads;

namespace Parallax.Generator.Tests.Threads;

public class ThreadRaceAnalyzerTests
{
    /// <summary>Runs the generator (so the code compiles as a user's would), then the analyzer on the result.</summary>
    private static GeneratorRun Analyze(string source)
    {
        var run = GeneratorHarness.Run(source, new ThreadGenerator()).AssertCompiles();
        var analyzerDiagnostics = run.Output
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ThreadRaceAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return run with { GeneratorDiagnostics = run.GeneratorDiagnostics.AddRange(analyzerDiagnostics) };
    }

    [Fact]
    public void Warns_on_unsynchronized_static_writes_in_entry_methods_naming_the_field()
    {
        var run = Analyze("""
            using Parallax;
            public partial class Counter
            {
                static long s_total;
                static int s_count;
                static (int A, int B) s_pair;
                struct P { public int X; }
                static P s_point;
                public static int X => s_point.X;

                [Thread] public static void Add(int n) { s_total += n; s_total++; }
                [Daemon] public static void Count() => s_count++;
                [Thread] public static void Pair() { (s_pair.A, s_pair.B) = (1, 2); }
                [Thread] public static void Move() => s_point.X = 3;
                [Thread] public static void Swap() => Helper(ref s_count);
                static void Helper(ref int x) => x = 0;
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "s_total", "Add", "static field", "Counter.s_total"),
            new ExpectedDiagnostic("PAR3001", "s_count", "Count", "static field", "Counter.s_count"),
            new ExpectedDiagnostic("PAR3001", "s_pair", "Pair", "static field", "Counter.s_pair"),
            new ExpectedDiagnostic("PAR3001", "s_point", "Move", "static field", "Counter.s_point"),
            new ExpectedDiagnostic("PAR3001", "s_count", "Swap", "static field", "Counter.s_count"));
    }

    [Fact]
    public void Warns_on_this_fields_of_a_thread_method_and_static_fields_of_a_thread_class()
    {
        var run = Analyze("""
            using Parallax;
            public partial class Shared
            {
                int _hits;
                [Thread] public void Hit() => _hits++;
            }

            [Thread]
            public partial class Worker
            {
                static int s_done;
                int _own;
                void Run() { _own = 1; s_done = _own; }
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "_hits", "Hit", "field", "Shared._hits"),
            new ExpectedDiagnostic("PAR3001", "s_done", "Worker.Run", "static field", "Worker.s_done"));
    }

    [Fact]
    public void Silent_under_lock_Interlocked_Volatile_volatile_and_ThreadStatic()
    {
        var run = Analyze("""
            using System;
            using System.Threading;
            using Parallax;
            public partial class Safe
            {
                static readonly object Gate = new();
                static long s_total;
                static int s_flag;
                static volatile bool s_stop;
                [ThreadStatic] static int t_local;
                int _mine;
                public static bool Stopped => s_stop;
                public int Mine => _mine + t_local;

                [Thread] public static void Locked(int n) { lock (Gate) { s_total += n; } }
                [Thread] public static void Atomic(int n) { Interlocked.Add(ref s_total, n); Interlocked.Increment(ref s_flag); }
                [Thread] public static void Published() { Volatile.Write(ref s_flag, 1); s_stop = true; t_local++; }
                [Thread] public void Local() { int x = 0; x++; var copy = this; lock (Gate) { _mine = x; } }

                // Not an entry method: PAR3001 looks only at code that starts a thread.
                public static void Plain() => s_total++;
            }
            """);
        DiagnosticAssert.Exactly(run);
    }
}
