using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
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

    private static string[] Messages(GeneratorRun run) =>
        run.AllDiagnostics.Where(d => d.Id == "PAR3001").OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.GetMessage()).ToArray();

    [Fact]
    public void Warns_on_unsynchronized_static_writes_in_entry_methods_naming_the_field()
    {
        var run = Analyze("""
            using Parallax;
            public partial class Counter
            {
                static long s_total;
                static int s_count;
                static int s_parsed;
                static string? s_name;
                static (int A, int B) s_pair;
                struct P { public int X; }
                static P s_point;
                public static int X => s_point.X + s_parsed + (s_name?.Length ?? 0);

                [Thread] public static void Add(int n) { s_total += n; s_total++; }
                [Daemon] public static void Count() => s_count++;
                [Thread] public static void Down() => s_count--;
                [Thread] public static void Parse(string s) => int.TryParse(s, out s_parsed);
                [Thread] public static void Lazy() => s_name ??= "first";
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
            new ExpectedDiagnostic("PAR3001", "s_count", "Down", "static field", "Counter.s_count"),
            new ExpectedDiagnostic("PAR3001", "s_parsed", "Parse", "static field", "Counter.s_parsed"),
            new ExpectedDiagnostic("PAR3001", "s_name", "Lazy", "static field", "Counter.s_name"),
            new ExpectedDiagnostic("PAR3001", "s_pair.A", "Pair", "static field", "Counter.s_pair"),
            new ExpectedDiagnostic("PAR3001", "s_point.X", "Move", "static field", "Counter.s_point"),
            new ExpectedDiagnostic("PAR3001", "s_count", "Swap", "static field", "Counter.s_count"));
        var add = Messages(run)[0];
        Assert.Contains("a static is shared by every thread", add);
        Assert.Contains("Interlocked", add);
        Assert.Contains("combine the results after Join", add);
    }

    [Fact]
    public void Warns_on_objects_and_arrays_a_thread_reaches_through_its_parameters()
    {
        var run = Analyze("""
            using Parallax;
            public sealed class Tally
            {
                public int Value;
                public int Auto { get; set; }
                public Tally? Next;
            }

            public partial class Work
            {
                [Thread] public static void Bump(Tally counter) => counter.Value++;
                [Thread] public static void Chain(Tally counter) => counter.Next!.Value = 1;
                [Thread] public static void Alias(Tally counter) { var c = counter; var d = c; d.Auto += 2; }
                [Thread] public static void Parse(Tally counter, string s) => int.TryParse(s, out counter.Value);
                [Thread] public static void Fill(int[] data) { for (int i = 0; i < data.Length; i++) data[i] = i; }
                [Thread] public static void Each(Tally[] all) { foreach (var t in all) t.Value = 0; }
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "counter.Value", "Bump", "field", "Tally.Value"),
            new ExpectedDiagnostic("PAR3001", "counter.Next!.Value", "Chain", "field", "Tally.Value"),
            new ExpectedDiagnostic("PAR3001", "d.Auto", "Alias", "property", "Tally.Auto"),
            new ExpectedDiagnostic("PAR3001", "counter.Value", "Parse", "field", "Tally.Value"),
            new ExpectedDiagnostic("PAR3001", "data[i]", "Fill", "an element of parameter", "data"),
            new ExpectedDiagnostic("PAR3001", "t.Value", "Each", "field", "Tally.Value"));
        var messages = Messages(run);
        Assert.Contains("of the object in parameter 'counter'", messages[0]);
        Assert.Contains("every thread started with the same object shares it)", messages[0]);
        Assert.Contains("of an object reached from parameter 'counter'", messages[1]);
        Assert.Contains("of the object in parameter 'counter'", messages[2]);
        Assert.Contains("no index depends on a value-type parameter", messages[4]);
    }

    [Fact]
    public void Warns_on_statics_reached_objects_properties_ref_locals_and_delegate_fields()
    {
        var run = Analyze("""
            using System;
            using Parallax;
            public sealed class Box { public int X; }
            public partial class Hub
            {
                static readonly Box s_obj = new();
                static readonly int[] s_arr = new int[8];
                static readonly int[][] s_grid = [new int[2]];
                static int s_total;
                static int s_manual;
                static Action? s_handlers;
                public static int Count { get; set; }
                public static bool Flag { get; private set; }
                public static int Manual { get => s_manual; set => s_manual = value; }
                public static int Read => s_obj.X + s_arr[0] + s_total + (s_handlers is null ? 0 : 1);

                [Thread] public static void Obj() => s_obj.X = 1;
                [Thread] public static void Arr(int[] source) { for (int i = 0; i < source.Length; i++) s_arr[i] += source[i]; }
                [Thread] public static void Grid() => s_grid[0][1] = 5;
                [Thread] public static void Props() { Count++; Flag = true; Manual++; }
                [Thread] public static void ByRef() { ref var r = ref s_total; r++; }
                [Thread] public static void Subscribe(Action h) => s_handlers += h;
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "s_obj.X", "Obj", "field", "Box.X"),
            new ExpectedDiagnostic("PAR3001", "s_arr[i]", "Arr", "an element of static field", "Hub.s_arr"),
            new ExpectedDiagnostic("PAR3001", "s_grid[0][1]", "Grid", "an element of array", "s_grid[0]"),
            new ExpectedDiagnostic("PAR3001", "Count", "Props", "static property", "Hub.Count"),
            new ExpectedDiagnostic("PAR3001", "Flag", "Props", "static property", "Hub.Flag"),
            new ExpectedDiagnostic("PAR3001", "Manual", "Props", "static property", "Hub.Manual"),
            new ExpectedDiagnostic("PAR3001", "r", "ByRef", "static field", "Hub.s_total"),
            new ExpectedDiagnostic("PAR3001", "s_handlers", "Subscribe", "static field", "Hub.s_handlers"));
        var messages = Messages(run);
        Assert.Contains("of the object in static field 'Hub.s_obj'", messages[0]);
        Assert.Contains("(reached from static field 'Hub.s_grid')", messages[2]);
        Assert.Contains("through ref local 'r'", messages[6]);
    }

    [Fact]
    public void Warns_on_fields_of_this_and_of_objects_its_fields_hold_in_a_class_thread_method()
    {
        var run = Analyze("""
            using Parallax;
            public sealed class Stats { public int Count; }
            public partial class Shared
            {
                int _hits;
                readonly Stats _stats = new();
                public int Hits => _hits + _stats.Count;

                [Thread] public void Hit() => _hits++;
                [Thread] public void Tally() => this._stats.Count++;
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "_hits", "Hit", "field", "Shared._hits"),
            new ExpectedDiagnostic("PAR3001", "this._stats.Count", "Tally", "field", "Stats.Count"));
        var messages = Messages(run);
        Assert.Contains("of 'this'", messages[0]);
        Assert.Contains("of an object reached from 'this'", messages[1]);
    }

    [Fact]
    public void Struct_thread_method_owns_its_copy_but_not_the_objects_the_copy_refers_to()
    {
        // The factory does 'var self = this;' and the thread calls self.Bump(): each thread writes its
        // own copy's fields (ThreadGeneratorTests' snapshot shows it), while reference fields of the
        // copy still point at the original's objects.
        var run = Analyze("""
            using Parallax;
            public sealed class Box { public int X; }
            public partial struct Walker
            {
                int _steps;
                (int A, int B) _pair;
                int[] _shared;
                Box _box;
                public Walker(int[] shared, Box box) { _steps = 0; _pair = default; _shared = shared; _box = box; }
                public int Steps => _steps + _pair.A + _shared[0] + _box.X;

                [Thread] public void Walk(int n) { _steps += n; _pair.A++; this = default; }
                [Thread] public void Mark(int slot) { _shared[0] = 1; _shared[slot] = 2; _box.X++; }
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "_shared[0]", "Mark", "an element of field", "Walker._shared"),
            new ExpectedDiagnostic("PAR3001", "_box.X", "Mark", "field", "Box.X"));
        Assert.Contains("the thread's copy of the struct still refers to the same objects as the original", Messages(run)[1]);
    }

    [Fact]
    public void Warns_on_read_modify_write_of_volatile_fields_but_not_on_plain_stores()
    {
        var run = Analyze("""
            using Parallax;
            public sealed class Flags { public volatile bool Stop; public volatile int Ticks; }
            public partial class Sink
            {
                static volatile int s_v;
                static volatile string? s_first;
                public static int Read => s_v + (s_first?.Length ?? 0);

                [Thread] public static void Mix(int x) { s_v = x; s_v ^= x; }
                [Thread] public static void Count() => s_v++;
                [Thread] public static void Once(string name) => s_first ??= name;
                [Thread] public static void Tick(Flags flags) { flags.Stop = true; flags.Ticks++; }
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "s_v", "Mix", "static field", "Sink.s_v"),
            new ExpectedDiagnostic("PAR3001", "s_v", "Count", "static field", "Sink.s_v"),
            new ExpectedDiagnostic("PAR3001", "s_first", "Once", "static field", "Sink.s_first"),
            new ExpectedDiagnostic("PAR3001", "flags.Ticks", "Tick", "field", "Flags.Ticks"));
        var messages = Messages(run);
        Assert.Contains("with '^=', which is not atomic although the field is volatile", messages[0]);
        Assert.Contains("with '++', which is not atomic although the field is volatile", messages[1]);
        Assert.Contains("with '??='", messages[2]);
        Assert.All(messages, m => Assert.Contains("Use Interlocked", m));
    }

    [Fact]
    public void Warns_in_Run_of_thread_and_daemon_classes_on_statics_and_objects_the_class_was_given()
    {
        var run = Analyze("""
            using Parallax;
            public sealed class Stats { public int Count; }

            [Thread]
            public partial class Worker
            {
                static int s_done;
                int _own;
                public int Own => _own;
                void Run() { _own = 1; s_done = _own; }
            }

            [Daemon]
            public partial class Pump
            {
                static int s_beats;
                readonly Stats _given;
                readonly Stats _mine = new();
                readonly int[] _buffer;
                readonly int[] _results;
                readonly int _slot;
                public Pump(Stats given, int[] results, int slot) { _given = given; _buffer = new int[8]; _results = results; _slot = slot; }
                public int Beats => s_beats + _mine.Count + _buffer[0];

                void Run()
                {
                    s_beats++;
                    _given.Count++;
                    _mine.Count++;
                    _buffer[3] = 1;
                    _results[_slot] = 7;
                    _results[0] = 7;
                }
            }
            """);
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR3001", "s_done", "Worker.Run", "static field", "Worker.s_done"),
            new ExpectedDiagnostic("PAR3001", "s_beats", "Pump.Run", "static field", "Pump.s_beats"),
            new ExpectedDiagnostic("PAR3001", "_given.Count", "Pump.Run", "field", "Stats.Count"),
            new ExpectedDiagnostic("PAR3001", "_results[0]", "Pump.Run", "an element of field", "Pump._results"));
        Assert.Contains("the thread object was given that object rather than creating it", Messages(run)[2]);
    }

    [Fact]
    public void Silent_under_lock_Interlocked_Volatile_volatile_and_ThreadStatic()
    {
        var run = Analyze("""
            using System;
            using System.Threading;
            using Parallax;
            public sealed class Tally { public int Value; public long Big; public object? Slot; }
            public partial class Safe
            {
                static readonly object Gate = new();
                static long s_total;
                static int s_flag;
                static object? s_slot;
                static volatile bool s_stop;
                [ThreadStatic] static int t_local;
                static readonly ThreadLocal<int> s_perThread = new();
                int _mine;
                public static bool Stopped => s_stop;
                public int Mine => _mine + t_local;

                [Thread] public static void Locked(int n) { lock (Gate) { s_total += n; } }
                [Thread] public static void Atomic(int n) { Interlocked.Add(ref s_total, n); Interlocked.Increment(ref s_flag); }
                [Thread] public static void Swapped(object o) { Interlocked.Exchange(ref s_slot, o); Interlocked.CompareExchange(ref s_flag, 1, 0); }
                [Thread] public static void Published() { Volatile.Write(ref s_flag, 1); s_stop = true; t_local++; }
                [Thread] public void Local() { int x = 0; x++; var copy = this; lock (Gate) { _mine = x; } }
                [Thread] public static void OnParameter(Tally tally, object o)
                {
                    Interlocked.Increment(ref tally.Value);
                    Interlocked.Exchange(ref tally.Big, 5);
                    Interlocked.CompareExchange(ref tally.Slot, o, null);
                    Volatile.Write(ref tally.Value, 3);
                    lock (tally) { tally.Value++; }
                }
                [Thread] public static void PerThread() { s_perThread.Value = 1; s_perThread.Value++; }

                // Not an entry method: PAR3001 looks only at code that starts a thread.
                public static void Plain() => s_total++;
            }
            """);
        DiagnosticAssert.Exactly(run);
    }

    [Fact]
    public void Silent_on_locals_value_parameters_created_objects_and_per_thread_slots()
    {
        var run = Analyze("""
            using System;
            using Parallax;
            public sealed class Tally { public int Value; public int[] Slots = new int[4]; }
            public partial class Own
            {
                [Thread] public static void Created() { var c = new Tally(); c.Value++; c.Slots[0] = 1; var a = new int[3]; a[0] += 1; int[] b = [1, 2]; b[1]--; }
                [Thread] public static void ByValue(int n, DateTime when, (int A, int B) pair) { n++; when = default; pair.A = 2; }
                [Thread] public static void Part(double[] data, int start, int end) { for (int i = start; i < end; i++) data[i] *= 2; }
                [Thread] public static void Strided(double[] data, int id, int threads) { for (int i = id; i < data.Length; i += threads) data[i] = 0; }
                [Thread] public static void Slot(long[] results, int index) { long sum = 0; for (int i = 0; i < 10; i++) sum += i; results[index] = sum; }
                [Thread] public static void SlotByRef(long[] results, int index) { ref long slot = ref results[index]; slot += 1; }
            }
            """);
        DiagnosticAssert.Exactly(run);
    }

    [Fact]
    public void Static_event_subscription_is_silent_because_the_compiler_makes_it_atomic()
    {
        // 'E += h' on a field-like event calls the add accessor, which the C# compiler emits as an
        // Interlocked.CompareExchange loop: shown on the compiled accessor below. Assigning the event
        // inside its class writes the backing field directly and is reported.
        var run = Analyze("""
            using System;
            using Parallax;
            public partial class Events
            {
                public static event Action? Changed;
                public static void Raise() => Changed?.Invoke();

                [Thread] public static void Subscribe(Action h) { Changed += h; Changed -= h; }
                [Thread] public static void Clear() => Changed = null;
            }
            """);
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR3001", "Changed", "Clear", "static event", "Events.Changed"));

        var add = run.Load().GetType("Events")!.GetMethod("add_Changed")!;
        Assert.Contains(CalledMethods(add), m => m.DeclaringType == typeof(Interlocked) && m.Name == nameof(Interlocked.CompareExchange));
    }

    /// <summary>The methods a method's IL calls: every call/callvirt token resolved against its module.</summary>
    private static List<MethodBase> CalledMethods(MethodInfo method)
    {
        var il = method.GetMethodBody()!.GetILAsByteArray()!;
        var calls = new List<MethodBase>();
        for (int i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] != OpCodes.Call.Value && il[i] != OpCodes.Callvirt.Value)
            {
                continue;
            }

            try
            {
                if (method.Module.ResolveMethod(BitConverter.ToInt32(il, i + 1), method.DeclaringType!.GetGenericArguments(), null) is { } callee)
                {
                    calls.Add(callee);
                }
            }
            catch (ArgumentException)
            {
                // A byte that only looks like a call opcode, followed by no method token.
            }
        }

        return calls;
    }
}
