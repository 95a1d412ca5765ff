using System.Text.RegularExpressions;
using Parallax.Generator.Engines;
using Parallax.Generator.Jit;
using Parallax.Generator.Manifest;
using Parallax.Generator.Tests.Harness;
using Parallax.Generator.Threads;

namespace Parallax.Generator.Tests.Common;

public class GeneratedCodeTests
{
    [Fact]
    public void Every_generator_stamps_its_code_with_the_generator_assemblys_version()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static partial class Everything
            {
                [Jit] public static double[] Twice(double[] x) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = 2 * x[i]; return r; }
                [Vectorize] public static double Half(double x) => x / 2;
                [Thread] public static void Work() { }
                [ParallelEngine] public static int One() => 1;
                public static string[] Hello(DirectView v) => v.ApplySync(() => "Hello!");
                public static double[] Call() => Twice([1.0]);
            }
            """, new JitGenerator(), new EngineGenerator(), new ThreadGenerator(), new ManifestGenerator()).AssertCompiles();
        string version = typeof(JitGenerator).Assembly.GetName().Version!.ToString();
        var stamps = run.Sources.Values.SelectMany(s => Regex.Matches(s, @"GeneratedCode\(""Parallax\.Generator"", ""([^""]*)""\)").Select(m => m.Groups[1].Value)).ToList();
        Assert.True(stamps.Count >= 5, $"only {stamps.Count} [GeneratedCode] attributes in {string.Join(", ", run.Sources.Keys)}");
        Assert.All(stamps, s => Assert.Equal(version, s));
    }
}
