using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Parallax.CodeFixes;

/// <summary>
/// PAR1100: a floating-point reduction stays scalar unless the kernel allows a different rounding order.
/// The fix writes that permission, <c>FastMath = true</c>, into the method's [Jit] attribute.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AllowFastMathCodeFix)), Shared]
public sealed class AllowFastMathCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.JitExactReduction);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindToken(context.Span.Start).Parent?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || JitAttribute(method) is not { } attribute)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Allow vector reductions: [Jit(FastMath = true)]",
                    ct => AllowFastMathAsync(context.Document, attribute, ct),
                    equivalenceKey: nameof(AllowFastMathCodeFix)),
                diagnostic);
        }
    }

    // The attribute as written: Jit, JitAttribute, Parallax.Jit or an alias-qualified form of these.
    private static AttributeSyntax? JitAttribute(MethodDeclarationSyntax method) =>
        method.AttributeLists.SelectMany(l => l.Attributes).FirstOrDefault(a => RightmostName(a.Name) is "Jit" or "JitAttribute");

    private static string RightmostName(NameSyntax name) => name switch
    {
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        _ => string.Empty,
    };

    private static async Task<Document> AllowFastMathAsync(Document document, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var fastMath = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName("FastMath")),
            nameColon: null,
            SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression));
        var arguments = attribute.ArgumentList?.Arguments ?? default;

        // FastMath = false written out is replaced, not repeated (a named argument may appear once).
        var existing = arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "FastMath");
        arguments = existing is null ? arguments.Add(fastMath) : arguments.Replace(existing, fastMath.WithTriviaFrom(existing));
        var fixedAttribute = attribute.WithArgumentList(SyntaxFactory.AttributeArgumentList(arguments));
        return document.WithSyntaxRoot(root!.ReplaceNode(attribute, fixedAttribute));
    }
}
