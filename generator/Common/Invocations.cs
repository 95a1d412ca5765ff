namespace Parallax.Generator.Common;

/// <summary>
/// Finds the calls of a few method names in a project without walking its syntax trees.
/// </summary>
/// <remarks>
/// A syntax provider runs its predicate on every node of every file, which creates the whole red tree of
/// a file the compiler server has just parsed: on a 600-file library that walk alone cost each generator
/// that made it several times what MemoryPack's whole generator costs (ForAttributeWithMetadataName prunes
/// with a flag only the compiler can read). A name is text first: the file's text is searched for it, and
/// only where it occurs as a whole word is the token found (one path from the root, not the tree) and
/// checked to be the name an invocation calls.
/// </remarks>
internal static class Invocations
{
    /// <summary>
    /// The project's syntax trees, one value each. An edit replaces one tree, so only that value changes
    /// and steps fed by this one rerun for that file alone.
    /// </summary>
    public static IncrementalValuesProvider<SyntaxTree> Trees(IncrementalGeneratorInitializationContext context) =>
        context.CompilationProvider.SelectMany(static (compilation, _) => compilation.SyntaxTrees);

    /// <summary>Every invocation in <paramref name="tree"/> that calls one of <paramref name="names"/> by its simple name, in source order.</summary>
    public static ImmutableArray<InvocationExpressionSyntax> Find(SyntaxTree tree, IEnumerable<string> names, CancellationToken ct)
    {
        var found = ImmutableArray.CreateBuilder<InvocationExpressionSyntax>();
        foreach (var name in Names(tree, names, ct))
        {
            if (Calling(name) is { } invocation)
            {
                found.Add(invocation);
            }
        }

        return InSourceOrder(found);
    }

    /// <summary>
    /// The nodes in source order (names are searched one after the other). No node is found twice: one
    /// token, one name, so no Distinct, which hashes nodes by identity and cost more than the search.
    /// </summary>
    public static ImmutableArray<T> InSourceOrder<T>(ImmutableArray<T>.Builder nodes)
        where T : SyntaxNode
    {
        nodes.Sort(static (a, b) => a.SpanStart.CompareTo(b.SpanStart));
        return nodes.ToImmutable();
    }

    /// <summary>
    /// Every simple name in <paramref name="tree"/> spelled as one of <paramref name="names"/> (outside comments, strings
    /// and disabled code). With <paramref name="receivers"/>, a name after <c>r.</c> or <c>r?.</c>, where the receiver
    /// <c>r</c> is a plain name not in that sorted list, is skipped from the text alone: <c>list.Add(x)</c> cannot
    /// reach a static method unless <c>list</c> names a type, and finding its token costs more than all the rest.
    /// </summary>
    public static IEnumerable<SimpleNameSyntax> Names(SyntaxTree tree, IEnumerable<string> names, CancellationToken ct, EquatableArray<string>? receivers = null)
    {
        string text = tree.GetText(ct).ToString();
        SyntaxNode? root = null;
        foreach (var name in names)
        {
            for (int at = text.IndexOf(name, StringComparison.Ordinal); at >= 0; at = text.IndexOf(name, at + name.Length, StringComparison.Ordinal))
            {
                ct.ThrowIfCancellationRequested();
                if ((at > 0 && IsIdentifierPart(text[at - 1])) || (at + name.Length < text.Length && IsIdentifierPart(text[at + name.Length]))
                    || (receivers is { } types && ThroughAValue(text, at, types)))
                {
                    continue;
                }

                root ??= tree.GetRoot(ct);
                var token = root.FindToken(at);

                // In a comment, a string or disabled code the token at this position is another one.
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == name && token.Span.End == at + name.Length
                    && token.Parent is SimpleNameSyntax simple)
                {
                    yield return simple;
                }
            }
        }
    }

    /// <summary>
    /// The simple name an invocation calls (<c>M</c> in <c>M(x)</c>, <c>a.M(x)</c>, <c>a?.M&lt;T&gt;(x)</c>),
    /// or null when it calls something else (a delegate-typed expression, <c>f()()</c>).
    /// </summary>
    public static string? CalledName(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        SimpleNameSyntax name => name.Identifier.ValueText,
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        _ => null,
    };

    /// <summary>The invocation that calls <paramref name="name"/>: <c>name(...)</c>, <c>x.name(...)</c> or <c>x?.name(...)</c>.</summary>
    public static InvocationExpressionSyntax? Calling(SimpleNameSyntax name)
    {
        var callee = name.Parent switch
        {
            MemberAccessExpressionSyntax access when access.Name == name => access,
            MemberBindingExpressionSyntax binding when binding.Name == name => binding,
            _ => (ExpressionSyntax)name,
        };
        return callee.Parent is InvocationExpressionSyntax invocation && invocation.Expression == callee ? invocation : null;
    }

    /// <summary>Whether the name at <paramref name="at"/> follows <c>r?.</c>, or <c>r.</c> with a plain name <c>r</c> that is not one of <paramref name="types"/>.</summary>
    private static bool ThroughAValue(string text, int at, EquatableArray<string> types)
    {
        int dot = SkipSpaceBack(text, at - 1);
        if (dot < 0 || text[dot] != '.')
        {
            return false;
        }

        if (dot > 0 && text[dot - 1] == '?')
        {
            return true;
        }

        int end = SkipSpaceBack(text, dot - 1), start = end;
        while (start >= 0 && IsIdentifierPart(text[start]))
        {
            start--;
        }

        // Not a plain name (a call's result, an indexer, a generic or qualified type, @verbatim, a comment): the tree decides.
        int before = SkipSpaceBack(text, start);
        return start < end && !char.IsDigit(text[start + 1]) && (before < 0 || text[before] is not ('.' or ':' or '@' or '/'))
            && !types.ContainsSorted(text.Substring(start + 1, end - start));
    }

    private static int SkipSpaceBack(string text, int at)
    {
        while (at >= 0 && char.IsWhiteSpace(text[at]))
        {
            at--;
        }

        return at;
    }

    // A letter, digit, underscore or other identifier character: the name found is part of a longer one.
    // '@' is not: @Add is the identifier Add.
    private static bool IsIdentifierPart(char c) => SyntaxFacts.IsIdentifierPartCharacter(c);
}
