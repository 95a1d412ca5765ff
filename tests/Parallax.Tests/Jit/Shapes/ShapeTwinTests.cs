using System.Reflection;
using System.Text.RegularExpressions;

namespace Parallax.Tests.Jit;

/// <summary>The scalar twins stay the kernels' own text: a kernel edited without its twin fails here.</summary>
public class ShapeTwinTests
{
    [Fact]
    public void Every_kernel_has_a_twin_with_the_same_text()
    {
        var directory = Path.Combine(
            typeof(ShapeTwinTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!,
            "Jit",
            "Shapes");
        var kernelFiles = Directory.GetFiles(directory, "ShapeKernels.*.cs");
        Assert.NotEmpty(kernelFiles);
        foreach (var file in kernelFiles)
        {
            var twinFile = Path.Combine(directory, Path.GetFileName(file).Replace("ShapeKernels.", "ShapeReference.", StringComparison.Ordinal));
            Assert.True(File.Exists(twinFile), $"{Path.GetFileName(file)} has no twin file");
            string kernels = Body(File.ReadAllText(file), "public static partial class ShapeKernels");
            string twins = Body(File.ReadAllText(twinFile), "public static partial class ShapeReference");
            Assert.Equal(Regex.Replace(kernels, @"^[ \t]*\[Jit(\(.*\))?\][ \t]*\n", string.Empty, RegexOptions.Multiline), twins);
        }

        // And the compiled twins are methods of the same names and signatures, none of them [Jit].
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var expected = typeof(ShapeKernels).GetMethods(flags).Where(m => m.IsDefined(typeof(JitAttribute))).Select(m => m.ToString()).Order().ToArray();
        var actual = typeof(ShapeReference).GetMethods(flags).Select(m => m.ToString()).Order().ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        Assert.DoesNotContain(typeof(ShapeReference).GetMethods(), m => m.IsDefined(typeof(JitAttribute)));
    }

    [Fact]
    public void The_samples_kernels_these_tests_link_have_plain_twins_with_the_same_text()
    {
        // samples/Jit/Shared/ShapeKernels.cs: Mandelbrot, Blur and Add are tested here against PlainShapes.
        string file = Path.Combine(
            typeof(ShapeTwinTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!,
            "..", "..", "samples", "Jit", "Shared", "ShapeKernels.cs");
        var plain = Methods(Body(File.ReadAllText(file), "public static class PlainShapes"));
        var jit = Methods(Body(File.ReadAllText(file), "public static partial class JitShapes"));
        Assert.Equal(["Add", "Blur", "Mandelbrot"], plain.Keys.Order());
        Assert.All(plain, p => Assert.Equal(p.Value, jit[p.Key]));
    }

    /// <summary>Each method of a class body by name: its text up to the next method, without [Jit] lines.</summary>
    private static Dictionary<string, string> Methods(string body)
    {
        body = Regex.Replace(body[..body.IndexOf("\n}", StringComparison.Ordinal)], @"^[ \t]*\[Jit(\(.*\))?\][ \t]*\n", string.Empty, RegexOptions.Multiline);
        return Regex.Split(body, @"(?=    public static void )").Skip(1)
            .ToDictionary(m => Regex.Match(m, @"void (\w+)\(").Groups[1].Value, m => m.TrimEnd());
    }

    private static string Body(string source, string declaration) => source[(source.IndexOf(declaration, StringComparison.Ordinal) + declaration.Length)..].ReplaceLineEndings("\n");
}
