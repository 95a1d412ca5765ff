using System.Diagnostics;
using Xunit.Abstractions;

namespace Parallax.Tests.Engines;

// Inside the namespace, so that it wins over the test namespace Parallax.Tests.Linalg.
using Linalg = Parallax.Linalg;

/// <summary>The seed flow, as the notebook writes it: 3 engines, two 5000x5000 matrices, a product on every engine.</summary>
[Collection(EnginesCollection.Name)]
public class SeedFlowTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_seed_flow_pushes_a_and_b_multiplies_on_every_engine_and_pulls_c()
    {
        const int n = 5000;
        var clock = Stopwatch.StartNew();
        var a = Matrices.Random(n, n, 1);
        var b = Matrices.Random(n, n, 2);
        var cl = fixture.Client;
        Assert.Equal([0, 1, 2], cl.Ids);
        var v = cl[..];
        string[] hello = v.ApplySync(() => "Hello!");
        Assert.Equal(["Hello!", "Hello!", "Hello!"], hello);
        var prepared = clock.Elapsed;

        v.PushSync(new { a, b });
        var pushed = clock.Elapsed;
        await v.ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
        var multiplied = clock.Elapsed;
        double[][,] dot = v.PullSync<double[,]>("c");
        var pulled = clock.Elapsed;
        var expected = Linalg.Dot(a, b);
        var local = clock.Elapsed;

        // Exactly: Linalg.Dot splits C among threads in whole tiles and never splits the depth, so every
        // entry is summed in the same order whatever the thread count (1 per engine here, 2 locally).
        Assert.Equal(3, dot.Length);
        foreach (var c in dot)
        {
            Assert.Equal(n, c.GetLength(0));
            Assert.Equal(n, c.GetLength(1));
            Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan()), "an engine's product differs from the local Linalg.Dot(a, b)");
        }

        // And against the definition, entry by entry, within K·eps·Σ|a·b| (a different summation order).
        foreach (var (i, j) in new[] { (0, 0), (0, n - 1), (n - 1, 0), (n - 1, n - 1), (1234, 4321), (2500, 17) })
        {
            var reference = Matrices.RowByColumn(a, b, i, j);
            var bound = n * (Math.BitIncrement(1.0) - 1.0) * reference; // entries are positive: Σ|a·b| is the sum itself
            Assert.All(dot, c => Assert.InRange(c[i, j], reference - bound, reference + bound));
        }

        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b") & Engine.Remove("c")); // free the engines' memory for the tests that follow
        output.WriteLine($"generate {prepared.TotalSeconds:F1} s, push {(pushed - prepared).TotalSeconds:F1} s, multiply on 3 engines {(multiplied - pushed).TotalSeconds:F1} s, " +
            $"pull {(pulled - multiplied).TotalSeconds:F1} s, local product {(local - pulled).TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s");
    }
}

/// <summary>Views a matrix's entries in row-major order, to compare two matrices bitwise.</summary>
internal static class MatrixSpans
{
    public static ReadOnlySpan<double> AsSpan(this double[,] m) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.CompilerServices.Unsafe.As<byte, double>(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(m)), m.Length);
}
