using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Parallax.Generator.Common;

/// <summary>Syntax-only facts about calls, for the predicates that run on every invocation of a project.</summary>
internal static class Invocations
{
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
}
