using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Parallax.CompilerServices;

namespace Parallax.Tests.Engines;

/// <summary>
/// Engines that outlive programs (a standing cluster) serve clients built from different builds of one
/// assembly: each client's calls run its own build's code, and a build that changed on disk under a
/// client is refused, not run in its place. Two real builds of one assembly, compiled here, whose
/// module initializers register the same dispatch id.
/// </summary>
[Collection(EnginesCollection.Name)]
public class AssemblyBuildsTests(ClusterFixture fixture)
{
    private const string DispatchId = "parallax-tests-versioned-build";

    [Fact]
    public void Two_builds_of_one_assembly_each_run_their_own_code_on_the_same_engine()
    {
        var root = Directory.CreateTempSubdirectory("parallax-builds-").FullName;
        try
        {
            var first = Build(root, "one", "first build");
            var second = Build(root, "two", "second build");
            var view = fixture.Client[..];

            Assert.All(Call(view, first), r => Assert.Equal("first build", r));
            Assert.All(Call(view, second), r => Assert.Equal("second build", r));
            Assert.All(Call(view, first), r => Assert.Equal("first build", r));

            // Rebuilt on disk after this client read its build id: the engine must not run the new code for it.
            var third = Build(root, "three", "third build");
            _ = Parallax.Engines.DispatchAssemblies.Mvid(third);
            File.Copy(Build(root, "four", "fourth build"), third, overwrite: true);
            var refused = Assert.ThrowsAny<Exception>(() => Call(view, third));
            var remote = refused as RemoteException ?? Assert.IsType<RemoteException>(Assert.IsType<RemoteAggregateException>(refused).InnerExceptions[0]);
            Assert.Contains("was rebuilt after the client loaded it", remote.RemoteMessage, StringComparison.Ordinal);
            Assert.All(Call(view, second), r => Assert.Equal("second build", r));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string[] Call(DirectView view, string path) => EngineSubmit.Submit<string>(view, new EngineCall(DispatchId, [], path)).Get(TimeSpan.FromMinutes(1));

    /// <summary>Compiles Versioned.dll into <paramref name="folder"/>: a stub registered under <see cref="DispatchId"/> that answers <paramref name="answer"/>.</summary>
    private static string Build(string root, string folder, string answer)
    {
        var source = $$"""
            namespace Versioned;
            public static class Stub
            {
                [System.Runtime.CompilerServices.ModuleInitializer]
                internal static void Register() => Parallax.CompilerServices.EngineDispatch.Register("{{DispatchId}}", Invoke);
                private static byte[] Invoke(System.ReadOnlyMemory<byte> arguments) => MemoryPack.MemoryPackSerializer.Serialize<string>("{{answer}}");
            }
            """;
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll");
        var references = framework.Append(typeof(Engine).Assembly.Location).Append(typeof(MemoryPack.MemoryPackSerializer).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Versioned", [CSharpSyntaxTree.ParseText(source)], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, deterministic: true));
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(root, folder)).FullName, "Versioned.dll");
        var emitted = compilation.Emit(path);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return path;
    }
}
