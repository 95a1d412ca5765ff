using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Scripting;

/// <summary>
/// The metadata references of one client's assembly set (<see cref="ExecuteMeta.ReferencesId"/>): this
/// engine's Parallax.dll, its runtime's framework assemblies by the names the client sent, then the
/// client's loaded assemblies (and, when asked, the ones they reference from their folders), one
/// assembly per simple name in that order. Also resolves the type names the
/// namespace records into symbols of these references.
/// </summary>
internal sealed class ScriptReferences
{
    /// <summary>Referenced whatever the client loaded: what the implicit usings and a script's own submission need.</summary>
    private static readonly string[] BaseFramework = ["System.Private.CoreLib", "System.Runtime", "netstandard", "System.Console", "System.Linq", "System.Collections", "System.Threading", "System.Threading.Tasks"];

    private static readonly Dictionary<string, PortableExecutableReference> Files = new(StringComparer.Ordinal);

    private CSharpCompilation? types;

    private ScriptReferences(ImmutableArray<MetadataReference> references) => References = references;

    public ImmutableArray<MetadataReference> References { get; }

    public static ScriptReferences Create(ExecuteMeta meta, bool withExtra)
    {
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        var parallax = typeof(Engine).Assembly.Location;
        var own = new[] { parallax, Path.Combine(Path.GetDirectoryName(parallax)!, "MemoryPack.Core.dll") };
        var framework = BaseFramework.Concat(meta.FrameworkReferences).Select(name => Path.Combine(runtimeDirectory, name + ".dll"));
        var chosen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in own.Concat(framework).Concat(meta.References).Concat(withExtra ? meta.ExtraReferences : []))
        {
            if (File.Exists(path))
            {
                chosen.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            }
        }

        return new ScriptReferences([.. chosen.Values.Select(FileReference)]);
    }

    /// <summary>The C# name of the type a namespace variable was pushed or set with, or null when a script cannot name it (then it is in scope as object).</summary>
    public string? CSharpName(string typeName)
    {
        types ??= CSharpCompilation.CreateScriptCompilation("parallax-namespace-types", references: References);
        System.Reflection.Metadata.TypeName parsed;
        try
        {
            parsed = System.Reflection.Metadata.TypeName.Parse(typeName);
        }
        catch (ArgumentException)
        {
            return null;
        }

        return Resolve(parsed) is { } symbol && IsPublic(symbol)
            ? symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
            : null;
    }

    private ITypeSymbol? Resolve(System.Reflection.Metadata.TypeName name)
    {
        if (name.IsArray)
        {
            return Resolve(name.GetElementType()) is { } element
                ? types!.CreateArrayTypeSymbol(element, name.IsSZArray ? 1 : name.GetArrayRank())
                : null;
        }

        if (name.IsConstructedGenericType)
        {
            var arguments = name.GetGenericArguments().Select(Resolve).ToArray();
            return Resolve(name.GetGenericTypeDefinition()) is INamedTypeSymbol definition && arguments.All(a => a is not null)
                ? definition.Construct(arguments!)
                : null;
        }

        if (name.IsPointer || name.IsByRef)
        {
            return null;
        }

        // A name without its assembly (the namespace records FullName) can exist in two references: then the one from the named assembly, if any.
        var candidates = types!.GetTypesByMetadataName(name.FullName);
        return candidates.Length == 1
            ? candidates[0]
            : candidates.FirstOrDefault(c => name.AssemblyName is { } assembly && c.ContainingAssembly.Name == assembly.Name);
    }

    private static bool IsPublic(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsPublic(array.ElementType),
        INamedTypeSymbol named => named.DeclaredAccessibility == Accessibility.Public
            && (named.ContainingType is null || IsPublic(named.ContainingType))
            && named.TypeArguments.All(IsPublic),
        _ => false,
    };

    private static PortableExecutableReference FileReference(string path)
    {
        lock (Files)
        {
            // Keyed by write time too: a client rebuilt while a standing cluster runs brings new metadata under the same path.
            var key = $"{path}|{File.GetLastWriteTimeUtc(path).Ticks}";
            if (!Files.TryGetValue(key, out var reference))
            {
                reference = MetadataReference.CreateFromFile(path);
                Files[key] = reference;
            }

            return reference;
        }
    }
}
