using System.ComponentModel;
using System.Reflection;
using System.Text;

namespace Parallax.Tests.PublicApi;

/// <summary>
/// The public surface of the Parallax assembly, tracked in PublicApi/Parallax.txt. A change to the
/// surface fails here until it is accepted with PARALLAX_ACCEPT=1 and reviewed in the diff.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void Public_surface_matches_the_tracked_file()
    {
        var actual = Describe(typeof(JitAttribute).Assembly);
        var directory = typeof(PublicApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;
        var path = Path.Combine(directory, "PublicApi", "Parallax.txt");
        if (Environment.GetEnvironmentVariable("PARALLAX_ACCEPT") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        var expected = File.Exists(path) ? File.ReadAllText(path) : "";
        var added = actual.Split('\n').Except(expected.Split('\n')).ToArray();
        var removed = expected.Split('\n').Except(actual.Split('\n')).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            "public API changed (PARALLAX_ACCEPT=1 accepts):\n" + string.Join("\n", added.Select(a => "+ " + a).Concat(removed.Select(r => "- " + r))));
    }

    [Fact]
    public void Users_see_namespace_Parallax_and_generated_code_alone_sees_CompilerServices()
    {
        // `using Parallax;` must offer only what a user calls; what only generated code calls sits in
        // Parallax.CompilerServices, hidden from IntelliSense as well.
        var exported = typeof(JitAttribute).Assembly.GetExportedTypes();
        Assert.Empty(exported.Where(t => t.Namespace is not ("Parallax" or "Parallax.CompilerServices")).Select(t => t.FullName));
        var visible = exported.Where(t => t.Namespace == "Parallax.CompilerServices" && t.GetCustomAttribute<EditorBrowsableAttribute>()?.State != EditorBrowsableState.Never);
        Assert.Empty(visible.Select(t => t.FullName));
        Assert.Contains(exported, t => t.FullName == "Parallax.CompilerServices.EngineSubmit");
        Assert.Contains(exported, t => t.FullName == "Parallax.CompilerServices.JitGuard");
        Assert.DoesNotContain(exported, t => t.FullName is "Parallax.JitGuard" or "Parallax.JitMemory" or "Parallax.JitParallel" or "Parallax.JitVector");
        Assert.DoesNotContain(exported, t => t.FullName is "Parallax.EngineCall" or "Parallax.EngineDispatch" or "Parallax.EngineInvoker");
    }

    [Fact]
    public void No_public_constant_compiles_into_user_assemblies()
    {
        // A const is copied into every caller at build time: changing it later would not reach them.
        var constants = typeof(JitAttribute).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(f => f.IsLiteral && !f.DeclaringType!.IsEnum)
            .Select(f => $"{f.DeclaringType}.{f.Name}");
        Assert.Empty(constants);
    }

    private static string Describe(Assembly assembly)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"type {type}");
            foreach (var member in type.GetMembers(flags))
            {
                if (member is MethodInfo { IsSpecialName: true })
                {
                    continue; // property and event accessors appear through their property or event
                }

                lines.Add($"{type}::{member.MemberType} {member}");
            }

            foreach (var member in type.GetMembers(BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (member is MethodBase { IsFamily: true } or FieldInfo { IsFamily: true })
                {
                    lines.Add($"{type}::protected {member}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines) + "\n";
    }
}
