using System.Reflection;
using Parallax.Generator.Tests.Harness;
using Parallax.Generator.Threads;

namespace Parallax.Generator.Tests.Threads;

public class ThreadGeneratorTests
{
    private const string Source = """
        using System.Threading.Tasks;
        using Parallax;
        namespace Demo;
        public partial class Work
        {
            public static string Log = "";

            [Thread]
            public static void Prescript(string file, int num) => Log += file + num;

            [Daemon("ticker")]
            internal void Tick(int times = 3, string label = "t\n", params int[] extra) { }

            [Thread]
            public static async Task<int> FetchAsync(int delay) { await Task.Yield(); return delay; }

            [Thread]
            public static void Generic<T>(T value) where T : class, new() { }

            public partial struct Inner
            {
                [Thread] public void Bump(double @double) { }
            }
        }

        [Thread]
        public partial class MyThread
        {
            public MyThread(string num) { Num = num; Name = "threddy" + num; }
            public string Num { get; }
            public string? Seen;
            private void Run() => Seen = "Thread " + Num;
        }

        [Daemon]
        internal partial class Pump<T>
        {
            protected Task Run() => Task.CompletedTask;
        }
        """;

    private static GeneratorRun Generate(string source) => GeneratorHarness.Run(source, new ThreadGenerator());

    [Fact]
    public void Generates_factories_and_class_members()
    {
        var run = Generate(Source).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Factory_runs_the_method_with_its_arguments_on_a_named_thread()
    {
        var assembly = Generate(Source).AssertCompiles().Load();
        var work = assembly.GetType("Demo.Work")!;
        var handle = (ThreadHandle)work.GetMethod("PrescriptThread")!.Invoke(null, ["f1.txt", 200])!;

        Assert.False(handle.IsAlive);
        Assert.Null(handle.Ident);
        Assert.Matches(@"^Thread-\d+ \(Prescript\)$", handle.Name);
        Assert.False(handle.IsDaemon);
        handle.Start();
        handle.Join();
        Assert.Equal("f1.txt200", work.GetField("Log")!.GetValue(null));
    }

    [Fact]
    public void Daemon_factory_keeps_defaults_and_the_attribute_name()
    {
        var assembly = Generate(Source).AssertCompiles().Load();
        var work = assembly.GetType("Demo.Work")!;
        var tick = work.GetMethod("TickThread", BindingFlags.Instance | BindingFlags.NonPublic)!;
        Assert.True(tick.IsAssembly);
        Assert.Equal(3, tick.GetParameters()[0].DefaultValue);
        Assert.Equal("t\n", tick.GetParameters()[1].DefaultValue);
        var handle = (ThreadHandle)tick.Invoke(Activator.CreateInstance(work), [3, "x", Array.Empty<int>()])!;
        Assert.True(handle.IsDaemon);
        Assert.Equal("ticker", handle.Name);
    }

    [Fact]
    public void Class_gets_thread_members_that_run_Run()
    {
        var assembly = Generate(Source).AssertCompiles().Load();
        var type = assembly.GetType("Demo.MyThread")!;
        object thread = Activator.CreateInstance(type, "1")!;
        Assert.Equal("threddy1", type.GetProperty("Name")!.GetValue(thread));
        type.GetMethod("Start")!.Invoke(thread, null);
        type.GetMethod("Join", Type.EmptyTypes)!.Invoke(thread, null);
        Assert.Equal("Thread 1", type.GetField("Seen")!.GetValue(thread));
        Assert.False((bool)type.GetProperty("IsAlive")!.GetValue(thread)!);
        Assert.NotNull(type.GetProperty("Ident")!.GetValue(thread));
    }

    [Fact]
    public void Reports_a_class_without_Run_and_generated_member_clashes()
    {
        var run = Generate("""
            using Parallax;
            [Thread] public partial class NoRun { void Go() { } }
            [Thread] public partial class Clash { void Run() { } public string Name = ""; }
            public partial class Methods
            {
                [Thread] public void Work() { }
                public void WorkThread() { }
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3003", "NoRun", "NoRun", "Thread"),
            new ExpectedDiagnostic("PAR3005", "Clash", "Clash", "Name", "Thread"),
            new ExpectedDiagnostic("PAR3005", "Work", "Methods", "WorkThread", "Thread"));
    }

    [Fact]
    public void Reports_a_thread_class_deriving_from_a_thread_class_and_inherited_member_clashes()
    {
        var run = Generate("""
            using Parallax;
            [Thread] public partial class Worker { protected virtual void Run() { } }
            [Thread] public partial class Special : Worker { protected override void Run() { } }
            [Daemon] public partial class Grandchild : Special { }
            public class Starter { public void Start() { } }
            [Thread] public partial class Clash : Starter { void Run() { } }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3007", "Special", "Special", "Thread", "Worker", "Thread"),
            new ExpectedDiagnostic("PAR3007", "Grandchild", "Grandchild", "Daemon", "Special", "Thread"),
            new ExpectedDiagnostic("PAR3005", "Clash", "Clash", "Start", "Thread"));
        Assert.DoesNotContain(run.AllDiagnostics, d => d.Id == "CS0108");
    }

    [Fact]
    public void A_plain_subclass_of_a_thread_class_runs_its_override_of_Run()
    {
        // PAR3007's fix: no attribute on the derived class, a virtual Run in the base.
        var assembly = Generate("""
            using Parallax;
            [Thread] public partial class Worker { public string Ran = ""; protected virtual void Run() => Ran = "base"; }
            public class Special : Worker { protected override void Run() => Ran = "override"; }
            """).AssertCompiles().Load();
        var type = assembly.GetType("Special")!;
        object thread = Activator.CreateInstance(type)!;
        type.GetMethod("Start")!.Invoke(thread, null);
        type.GetMethod("Join", Type.EmptyTypes)!.Invoke(thread, null);
        Assert.Equal("override", type.GetField("Ran")!.GetValue(thread));
    }

    [Fact]
    public void Reports_parameters_a_thread_cannot_keep()
    {
        var run = Generate("""
            using System;
            using Parallax;
            public partial class P
            {
                [Thread] public static void Fill(ref int total, Span<double> data, int ok) { }
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3004", "ref int total", "total", "Fill", "passed by ref"),
            new ExpectedDiagnostic("PAR3004", "Span<double> data", "data", "Fill", "of ref struct type 'System.Span<double>'"));
    }

    [Fact]
    public void Reports_a_non_partial_class_and_Thread_with_Daemon()
    {
        var run = Generate("""
            using Parallax;
            [Thread] public class Plain { void Run() { } }
            public partial class Both { [Thread, Daemon] public static void Work() { } }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3002", "Plain", "Plain", "Thread"),
            new ExpectedDiagnostic("PAR3006", "Work", "Work"));
    }

    [Fact]
    public void Reports_PAR0001_and_emits_nothing_for_a_non_partial_container()
    {
        var run = Generate("""
            using Parallax;
            public class Outer { [Thread] public static void Work() { } }
            """);
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR0001", "Outer", "Work", "Thread", "Outer"));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Edit_that_only_moves_a_diagnostic_regenerates_no_source()
    {
        const string source = """
            using Parallax;
            [Thread] public partial class NoRun { }
            public partial class Work { [Thread] public static void Go() { } }
            """;
        var compilation = GeneratorHarness.Compile(source);
        var driver = GeneratorHarness.CreateDriver(new ThreadGenerator()).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var moved = compilation.ReplaceSyntaxTree(tree, Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("\n\n" + source, GeneratorHarness.ParseOptions, path: tree.FilePath));
        var result = driver.RunGenerators(moved).GetRunResult();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PAR3003", diagnostic.Id);
        Assert.Equal(3, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        var specs = result.Results.Single().TrackedSteps[ThreadGenerator.SpecsStep].SelectMany(s => s.Outputs).Select(o => o.Reason);
        Assert.All(specs, r => Assert.True(r is Microsoft.CodeAnalysis.IncrementalStepRunReason.Cached or Microsoft.CodeAnalysis.IncrementalStepRunReason.Unchanged, $"specs step ran again: {r}"));
    }

    [Fact]
    public void Unrelated_edit_is_cached()
    {
        Incrementality.AssertCachedAfterUnrelatedEdit(
            new ThreadGenerator(),
            Source,
            "class Unrelated { int X() => 42; }",
            ThreadGenerator.ThreadTargetsStep,
            ThreadGenerator.DaemonTargetsStep,
            ThreadGenerator.SpecsStep);
    }

    [Fact]
    public void Factory_defaults_keep_special_values_of_every_type()
    {
        // double.NaN and float.PositiveInfinity were written NaND and InfinityF (CS0103).
        var assembly = Generate("""
            using Parallax;
            public enum Mode : short { Low = -2, High = 7 }
            public static partial class Defaults
            {
                [Thread]
                public static void Work(
                    double x = double.NaN, float y = float.PositiveInfinity, double z = -0.0, float w = float.MinValue,
                    double big = double.MaxValue, decimal m = -1.50m, long l = long.MinValue, ulong u = ulong.MaxValue,
                    char c = '\0', string s = "tab\t\"quote\"", Mode mode = Mode.Low, byte b = 255, sbyte sb = -128,
                    double? maybe = double.NegativeInfinity, Mode? maybeMode = Mode.High, nint n = -5, object? o = null)
                { }
            }
            """).AssertCompiles().Load();
        // The factory's defaults are the method's own, as the compiler stored them, bit for bit.
        var defaults = assembly.GetType("Defaults")!;
        var factory = defaults.GetMethod("WorkThread")!.GetParameters();
        var original = defaults.GetMethod("Work")!.GetParameters();
        Assert.Equal(17, factory.Length);
        Assert.True(double.IsNaN((double)factory[0].DefaultValue!));
        Assert.Equal(float.PositiveInfinity, factory[1].DefaultValue);
        for (int i = 0; i < original.Length; i++)
        {
            Assert.True(Bits(original[i].DefaultValue) == Bits(factory[i].DefaultValue), $"{original[i].Name}: expected {Bits(original[i].DefaultValue)}, got {Bits(factory[i].DefaultValue)}");
        }

        static string Bits(object? v) => v switch
        {
            double d => BitConverter.DoubleToInt64Bits(d).ToString("X16"),
            float f => BitConverter.SingleToInt32Bits(f).ToString("X8"),
            decimal m => string.Join(",", decimal.GetBits(m)),
            _ => $"{v} ({v?.GetType().Name})",
        };
    }
}
