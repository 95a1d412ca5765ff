namespace Parallax.Generator.Common;

/// <summary>Names as generated code must write them.</summary>
internal static class Identifiers
{
    /// <summary>
    /// A name the user declared as <c>@class</c> is "class" in a symbol: write it back with its @. An
    /// <c>await</c> is escaped too, since generated code may be inside an async method.
    /// </summary>
    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.AwaitKeyword ? "@" + name : name;
}
