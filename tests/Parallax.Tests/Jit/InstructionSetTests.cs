using System.Diagnostics;
using System.Reflection;
using System.Runtime.Intrinsics;
using Parallax.Tests.Foundation;

namespace Parallax.Tests.Jit;

/// <summary>
/// Every kernel has a Vector512, a Vector256, a Vector128 and a scalar path, chosen at run time by
/// <c>IsHardwareAccelerated</c>; on an AVX-512 machine only the first ever runs in the test host. These
/// run the Jit kernel tests again in child processes of this assembly with the runtime told to
/// ignore AVX-512, AVX2 or all hardware intrinsics, and check that the child really saw the
/// narrower hardware (a knob the runtime does not know is silently ignored: .NET 10 reads
/// <c>DOTNET_EnableAVX512</c>, and no longer <c>DOTNET_EnableAVX512F</c>).
/// </summary>
public class InstructionSetTests
{
    [Fact]
    public void Kernels_match_on_the_Vector256_path_without_AVX512() =>
        RunChild("DOTNET_EnableAVX512", vector512: false, vector256: true, vector128: true);

    [Fact]
    public void Kernels_match_on_the_Vector128_path_without_AVX2() =>
        RunChild("DOTNET_EnableAVX2", vector512: false, vector256: false, vector128: true);

    [Fact]
    public void Kernels_match_on_the_scalar_path_without_hardware_intrinsics() =>
        RunChild("DOTNET_EnableHWIntrinsic", vector512: false, vector256: false, vector128: false);

    private static void RunChild(string knob, bool vector512, bool vector256, bool vector128)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(typeof(InstructionSetTests).Assembly.Location);
        start.ArgumentList.Add(KernelTestRunner.Argument);
        start.Environment[knob] = "0";

        var (exitCode, output, error) = ChildProcess.Run(start, TimeSpan.FromMinutes(5), $"the kernel tests with {knob}=0");
        string context = $"{knob}=0, exit code {exitCode}:\n{output}{error}";
        Assert.True(exitCode == 0, context);
        Assert.True(error.Length == 0, context);
        Assert.Contains(KernelTestRunner.Hardware(vector512, vector256, vector128), output);
        Assert.Contains($"ran {KernelTestRunner.Facts().Count} facts, 0 failed", output);
    }
}

/// <summary>Runs the Jit kernel tests' facts in this process, outside xunit: the child side of <see cref="InstructionSetTests"/>.</summary>
internal static class KernelTestRunner
{
    public const string Argument = "--jit-kernel-tests";

    public static string Hardware(bool vector512, bool vector256, bool vector128) =>
        $"Vector512.IsHardwareAccelerated={vector512} Vector256.IsHardwareAccelerated={vector256} Vector128.IsHardwareAccelerated={vector128}";

    /// <summary>Every fact of the Jit kernel tests, except the ones that start children.</summary>
    public static IReadOnlyList<MethodInfo> Facts() => typeof(KernelTestRunner).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(KernelTestRunner).Namespace && t.IsClass && !t.IsAbstract && t != typeof(InstructionSetTests))
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
        .Where(m => m.IsDefined(typeof(FactAttribute), inherit: true))
        .OrderBy(m => m.DeclaringType!.FullName, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal)
        .ToList();

    public static int Run(TextWriter output)
    {
        output.WriteLine(Hardware(Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated, Vector128.IsHardwareAccelerated));
        var facts = Facts();
        int failed = 0;
        foreach (var fact in facts)
        {
            string name = fact.DeclaringType!.Name + "." + fact.Name;
            var attribute = fact.GetCustomAttribute<FactAttribute>()!;
            if (attribute is TheoryAttribute || attribute.Skip is not null)
            {
                // Either would pass here without running: a theory needs its data, a skip is not a run.
                failed++;
                output.WriteLine($"FAIL {name}: only plain [Fact]s without Skip can run outside xunit");
                continue;
            }

            try
            {
                object? instance = fact.IsStatic ? null : Activator.CreateInstance(fact.DeclaringType);
                try
                {
                    if (fact.Invoke(instance, null) is Task task)
                    {
                        task.GetAwaiter().GetResult();
                    }
                }
                finally
                {
                    (instance as IDisposable)?.Dispose();
                }

                output.WriteLine("pass " + name);
            }
            catch (Exception e)
            {
                failed++;
                var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                output.WriteLine($"FAIL {name}: {cause.GetType().Name}: {cause.Message}");
            }
        }

        output.WriteLine($"ran {facts.Count} facts, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
