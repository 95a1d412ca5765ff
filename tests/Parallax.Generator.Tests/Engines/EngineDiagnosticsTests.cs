using Parallax.Generator.Engines;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Engines;

public class EngineDiagnosticsTests
{
    private static GeneratorRun Run(string body, string members = "") => GeneratorHarness.Run($$"""
        using System;
        using Parallax;
        public partial class Host
        {
            private int count;
            private static int Secret() => 7;
            {{members}}
            public void Call(DirectView v)
            {
                {{body}}
            }
        }
        """, new EngineGenerator());

    [Fact]
    public void PAR2001_delegate_variable()
    {
        var run = Run("Func<int> f = () => 1; v.ApplySync(f);");
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR2001", "f", "f"));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void PAR2002_captured_delegate_and_stream()
    {
        var run = Run("Func<int> g = () => 1; var s = new System.IO.MemoryStream(); v.ApplySync(() => g() + (int)s.Length);");
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR2002", "g", "g", "System.Func<int>", "a delegate is code in this process, not data"),
            new ExpectedDiagnostic("PAR2002", "s", "s", "System.IO.MemoryStream?", "a stream is a handle to a resource in this process"));
    }

    [Fact]
    public void PAR2002_and_PAR2003_BigInteger_which_MemoryPack_would_turn_into_0()
    {
        var run = Run("var big = System.Numerics.BigInteger.Pow(3, 100); v.ApplySync(() => big + 1);");
        const string Reason = "MemoryPack 1.21.4 deserializes every BigInteger as 0; send value.ToByteArray() and rebuild it on the other side with new BigInteger(bytes)";
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR2003", "() => big + 1", "the lambda passed to ApplySync", "System.Numerics.BigInteger", Reason),
            new ExpectedDiagnostic("PAR2002", "big", "big", "System.Numerics.BigInteger", Reason));

        Assert.Empty(run.Sources);
    }

    [Fact]
    public void PAR2002_capture_that_cannot_travel_on_a_load_balanced_view()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Parallax;
            public static class Farm
            {
                public static int[] Call(LoadBalancedView lv, int[] xs)
                {
                    Func<int, int> twice = x => 2 * x;
                    return lv.MapSync(x => twice(x), xs);
                }
            }
            """, new EngineGenerator());
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR2002", "twice", "twice", "System.Func<int, int>", "a delegate is code in this process, not data"));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void PAR2003_result_of_type_object()
    {
        var run = Run("v.ApplySync<object>(() => 1);");
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic(
            "PAR2003", "() => 1", "the lambda passed to ApplySync", "object", "object has no concrete type known at build time"));
    }

    [Fact]
    public void PAR2004_parameter_that_cannot_travel()
    {
        var run = Run("", "[ParallelEngine] public static long Length(System.IO.Stream stream) => stream.Length;");
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic(
            "PAR2004", "System.IO.Stream stream", "stream", "System.IO.Stream", "a stream is a handle to a resource in this process"));
    }

    [Fact]
    public void PAR2004_names_types_as_CSharp_writes_them()
    {
        var run = Run("", "[ParallelEngine] public static int Count(System.Func<double[,], int?[][,]> f) => 0;");
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic(
            "PAR2004", "System.Func<double[,], int?[][,]> f", "f", "System.Func<double[,], int?[][,]>"));
    }

    [Fact]
    public void PAR2004_map_item_that_cannot_travel()
    {
        var run = Run("v.MapSync((object o) => 1, new object[] { 1 });");
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR2004", "object o", "o", "object", "object has no concrete type known at build time"));
    }

    [Fact]
    public void PAR2005_instance_member_and_this()
    {
        var run = Run("v.ApplySync(() => count + this.count);");
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR2005", "count", "count"),
            new ExpectedDiagnostic("PAR2005", "this", "this"));
    }

    [Fact]
    public void PAR2005_instance_method_group()
    {
        var run = Run("v.ApplySync(Instance);", "public int Instance() => 1;");
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR2005", "Instance", "Instance"));
    }

    [Fact]
    public void PAR2006_private_member_and_local_function()
    {
        var run = Run("int Local() => 2; v.ApplySync(() => Secret() + Local());");
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR2006", "Secret", "Secret", "private"),
            new ExpectedDiagnostic("PAR2006", "Local", "Local", "a local function of the enclosing method"));
    }

    [Fact]
    public void PAR2007_assigned_capture()
    {
        var run = Run("int n = 0; v.ApplySync(() => n = 5);");
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR2007", "n", "n"));
    }

    [Fact]
    public void PAR2008_instance_and_generic_engine_methods()
    {
        var run = Run("", "[ParallelEngine] public int Instance() => 1; [ParallelEngine] public static T Echo<T>(T x) => x;");
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR2008", "Instance", "Instance", "static"),
            new ExpectedDiagnostic("PAR2008", "Echo", "Echo", "non-generic, in a non-generic type"));
    }

    [Fact]
    public void PAR0001_engine_method_in_a_non_partial_type()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static class Kernels
            {
                [ParallelEngine] public static int One() => 1;
            }
            """, new EngineGenerator());
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR0001", "Kernels", "One", "ParallelEngine", "Kernels"));
    }

    [Fact]
    public void Private_constants_are_inlined_not_reported()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static class Work
            {
                private const int Offset = 100;
                public static int[] Call(DirectView v) { const string Tag = "t"; return v.ApplySync(() => Offset + Tag.Length); }
            }
            """, new EngineGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Assert.Contains("((int)100) + ((string)\"t\").Length", run.Sources.Values.Single());
    }
}
