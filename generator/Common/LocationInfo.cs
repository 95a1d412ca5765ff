using Microsoft.CodeAnalysis.Text;

namespace Parallax.Generator.Common;

/// <summary>
/// A source location as values plus the syntax tree it is in. The tree is kept, and compared by
/// reference, because the compiler applies <c>#pragma warning disable</c> and per-file
/// .editorconfig severities only to a location in a tree (dotnet/roslyn#68291): one rebuilt from a
/// path and a span is an external location that no suppression reaches. A tree does not hold its
/// compilation, and only diagnostics keep one; an edit to the file gives a new tree, so its
/// diagnostics are reported again (cheap), while edits to other files leave them cached.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan, SyntaxTree? Tree)
{
    public Location ToLocation() => Tree is not null ? Location.Create(Tree, Span) : Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span, location.SourceTree);
    }
}
