using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Parallax.Generator.Common;

/// <summary>
/// A source location reduced to values, because a <see cref="Location"/> holds its syntax tree and
/// would pin a whole compilation in the incremental pipeline.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxNode node) => From(node.GetLocation());
}
