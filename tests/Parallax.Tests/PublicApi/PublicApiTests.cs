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
    public void Every_public_type_is_in_namespace_Parallax()
    {
        var stray = typeof(JitAttribute).Assembly.GetExportedTypes().Where(t => t.Namespace is not ("Parallax" or CompilerServices)).Select(t => t.FullName).ToArray();
        Assert.Empty(stray);
    }

    [Fact]
    public void Types_only_generated_code_calls_are_hidden_in_their_own_namespace()
    {
        // `using Parallax;` must offer only what a user calls; generated code names these fully.
        var visible = typeof(JitAttribute).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == CompilerServices && t.GetCustomAttribute<System.ComponentModel.EditorBrowsableAttribute>()?.State != System.ComponentModel.EditorBrowsableState.Never)
            .Select(t => t.FullName).ToArray();
        Assert.Empty(visible);
        Assert.Contains(typeof(JitAttribute).Assembly.GetExportedTypes(), t => t.Namespace == CompilerServices);
    }

    private const string CompilerServices = "Parallax.CompilerServices";

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
