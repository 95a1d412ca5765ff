using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Parallax.Generator.Diagnostics;

namespace Parallax.Generator.Common;

/// <summary>Finds the first type around a member that is not declared partial, for PAR0001.</summary>
internal static class PartialTypeCheck
{
    /// <summary>
    /// Returns PAR0001 located at the identifier of the innermost non-partial type declaration that
    /// encloses <paramref name="node"/>, or null when every enclosing type is partial.
    /// </summary>
    public static DiagnosticInfo? Check(SyntaxNode node, string memberName, string attributeName)
    {
        for (var parent = node.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is TypeDeclarationSyntax type && !type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return DiagnosticInfo.Create(
                    DiagnosticDescriptors.ContainingTypeNotPartial,
                    type.Identifier.GetLocation(),
                    memberName,
                    attributeName,
                    type.Identifier.ValueText);
            }
        }

        return null;
    }
}
