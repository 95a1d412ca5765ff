using System.Reflection;

namespace Parallax.Tests.Jit;

/// <summary>
/// A kernel test compares a [Jit] call with the method's scalar body; if the generator had produced
/// no kernel (an unintended PAR1100, say), both sides would be the scalar body and the test would
/// pass. This finds, for every [Jit] and [Vectorize] method in the test assembly, the class the
/// emitter generates for it, its Kernel, and for [Jit] an entry with the method's signature that
/// intercepts at least one call.
/// </summary>
public class GeneratedKernelTests
{
    /// <summary>Methods that have no kernel on purpose, each with the diagnostic that keeps it scalar (suppressed where it is declared).</summary>
    private static readonly Dictionary<string, string> Scalar = new(StringComparer.Ordinal)
    {
        ["Parallax.Tests.Jit.Reductions.ExactSum"] = "PAR1100: a float sum without FastMath stays exact",
    };

    [Fact]
    public void Every_Jit_and_Vectorize_method_has_its_generated_kernel()
    {
        var assembly = typeof(GeneratedKernelTests).Assembly;
        var generated = assembly.GetTypes().Where(t => t.Namespace == "Parallax.Generated").ToList();
        var annotated = assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.IsDefined(typeof(JitAttribute)) || m.IsDefined(typeof(VectorizeAttribute)))
            .ToList();
        Assert.True(annotated.Count > 50, $"found only {annotated.Count} annotated methods; the reflection below would prove little");

        var missing = new List<string>();
        foreach (var method in annotated)
        {
            string name = FullName(method);
            var kernel = generated.SingleOrDefault(t => IsKernelClassOf(t, method));
            if (Scalar.ContainsKey(name))
            {
                Assert.True(kernel is null, $"{name} is listed as scalar ({Scalar[name]}) but has a kernel: remove it from the list");
                continue;
            }

            if (kernel is null)
            {
                missing.Add($"{name}: no generated class {ClassName(method)}");
                continue;
            }

            if (kernel.GetMethod("Kernel", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public) is null)
            {
                missing.Add($"{name}: {kernel.Name} has no Kernel method");
            }

            if (method.IsDefined(typeof(JitAttribute)))
            {
                var parameters = method.GetParameters().Select(p => p.ParameterType).ToArray();
                var entry = kernel.GetMethod(method.Name, BindingFlags.Static | BindingFlags.Public, parameters);
                if (entry is null || entry.ReturnType != method.ReturnType)
                {
                    missing.Add($"{name}: {kernel.Name} has no entry method with the same signature");
                }
                else if (!entry.GetCustomAttributesData().Any(a => a.AttributeType.Name.EndsWith("InterceptsLocationAttribute", StringComparison.Ordinal)))
                {
                    missing.Add($"{name}: no call to it is intercepted, so no test runs its kernel");
                }
            }
            else
            {
                // [Vectorize] adds F(ReadOnlySpan<A> a, ..., Span<T> result) beside the scalar function.
                var spans = method.GetParameters().Select(p => typeof(ReadOnlySpan<>).MakeGenericType(p.ParameterType)).Append(typeof(Span<>).MakeGenericType(method.ReturnType)).ToArray();
                if (method.DeclaringType!.GetMethod(method.Name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, spans) is null)
                {
                    missing.Add($"{name}: no span overload beside it");
                }
            }
        }

        Assert.True(missing.Count == 0, "methods without their generated kernel:\n" + string.Join("\n", missing));
        foreach (var name in Scalar.Keys)
        {
            Assert.Contains(annotated, m => FullName(m) == name);
        }
    }

    private static string FullName(MethodInfo method) => method.DeclaringType!.FullName!.Replace('+', '.') + "." + method.Name;

    /// <summary>The emitter's class name: the hint name <c>Jit[.Vectorize].Namespace.Type.Method</c> with '_' for '.'.</summary>
    private static string ClassName(MethodInfo method)
    {
        var types = new List<string>();
        for (var t = method.DeclaringType; t is not null; t = t.DeclaringType)
        {
            types.Insert(0, t.Name);
        }

        string ns = method.DeclaringType!.Namespace is { Length: > 0 } n ? n + "." : string.Empty;
        string prefix = method.IsDefined(typeof(VectorizeAttribute)) ? "Jit.Vectorize." : "Jit.";
        return (prefix + ns + string.Join(".", types) + "." + method.Name).Replace('.', '_');
    }

    private static bool IsKernelClassOf(Type type, MethodInfo method)
    {
        // A [Jit] kernel class is file-local, which the compiler names "<file>F<hash>__Name" in metadata;
        // an overloaded method's class ends in "_" and a hash of its signature.
        string name = type.Name;
        int file = name.IndexOf("__", StringComparison.Ordinal);
        if (name.StartsWith('<') && file >= 0)
        {
            name = name[(file + 2)..];
        }

        string expected = ClassName(method);
        if (name == expected)
        {
            return !HasOverloads(method);
        }

        return HasOverloads(method) && name.StartsWith(expected + "_", StringComparison.Ordinal) && name[(expected.Length + 1)..].All(char.IsAsciiDigit)
            && type.GetMethod(method.Name, method.GetParameters().Select(p => p.ParameterType).ToArray()) is not null;
    }

    /// <summary>Overloads the generator saw: a [Vectorize] span overload is generated, so it does not count.</summary>
    private static bool HasOverloads(MethodInfo method) =>
        method.DeclaringType!.GetMember(method.Name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Count(m => !m.IsDefined(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute))) > 1;
}
