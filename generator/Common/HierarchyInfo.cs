namespace Parallax.Generator.Common;

/// <summary>
/// The types around generated members, as values (ComputeSharp's HierarchyInfo shape): the namespace
/// and each type declaration outermost first, enough to reopen them as partial declarations.
/// </summary>
/// <param name="Namespace">The containing namespace, or empty for the global namespace.</param>
/// <param name="Types">The type declarations, outermost first.</param>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeDeclarationInfo> Types)
{
    /// <summary>The hierarchy of <paramref name="type"/>, ending with the type itself.</summary>
    public static HierarchyInfo From(INamedTypeSymbol type)
    {
        var types = new List<TypeDeclarationInfo>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            types.Insert(0, TypeDeclarationInfo.From(t));
        }

        return new HierarchyInfo(type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : string.Empty, types.ToEquatableArray());
    }

    /// <summary>Dotted names without type parameters (<c>N.Outer.Inner</c>), for hint names.</summary>
    public string DottedName => (Namespace.Length == 0 ? string.Empty : Namespace + ".") + string.Join(".", Types.Select(t => t.Name));

    /// <summary>Opens the namespace and every type declaration; <see cref="Close"/> ends them.</summary>
    public void Open(SourceWriter w)
    {
        if (Namespace.Length > 0)
        {
            w.OpenBlock("namespace " + Namespace);
        }

        foreach (var type in Types)
        {
            w.OpenBlock(type.Declaration);
        }
    }

    /// <summary>Closes what <see cref="Open"/> opened.</summary>
    public void Close(SourceWriter w)
    {
        for (int i = Namespace.Length > 0 ? -1 : 0; i < Types.Count; i++)
        {
            w.CloseBlock();
        }
    }

    /// <summary>
    /// PAR0001, the one place it is decided: at the innermost type around <paramref name="member"/> that
    /// is not declared partial, or null when every enclosing type is.
    /// </summary>
    public static DiagnosticInfo? NotPartial(SyntaxNode member, string memberName, string attributeName)
    {
        var type = member.Ancestors().OfType<TypeDeclarationSyntax>().FirstOrDefault(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword));
        return type is null
            ? null
            : DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, type.Identifier.GetLocation(), memberName, attributeName, type.Identifier.ValueText);
    }
}

/// <summary>One type declaration: its modifiers and kind (<c>readonly</c>, <c>record struct</c>...) and its name with type parameters.</summary>
/// <param name="Modifiers">readonly and ref, each followed by a space, or empty.</param>
/// <param name="Kind">class, struct, interface, record or record struct.</param>
/// <param name="Name">The name, escaped when it is a keyword.</param>
/// <param name="TypeParameters">The type parameter list (<c>&lt;T&gt;</c>), or empty.</param>
internal sealed record TypeDeclarationInfo(string Modifiers, string Kind, string Name, string TypeParameters)
{
    /// <summary>The head that reopens the type (partial stands right before the kind): <c>readonly partial struct S&lt;T&gt;</c>.</summary>
    public string Declaration => Modifiers + "partial " + Kind + " " + Name + TypeParameters;

    public static TypeDeclarationInfo From(INamedTypeSymbol t)
    {
        bool isStruct = t.TypeKind == TypeKind.Struct;
        string modifiers = isStruct ? (t.IsReadOnly ? "readonly " : string.Empty) + (t.IsRefLikeType ? "ref " : string.Empty) : string.Empty;
        string kind = t.TypeKind switch
        {
            TypeKind.Interface => "interface",
            TypeKind.Struct => t.IsRecord ? "record struct" : "struct",
            _ => t.IsRecord ? "record" : "class",
        };
        string typeParameters = t.TypeParameters.IsEmpty ? string.Empty : "<" + string.Join(", ", t.TypeParameters.Select(p => Identifiers.Escape(p.Name))) + ">";
        return new TypeDeclarationInfo(modifiers, kind, Identifiers.Escape(t.Name), typeParameters);
    }
}
