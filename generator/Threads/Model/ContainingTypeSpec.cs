namespace Parallax.Generator.Threads.Model;

/// <summary>
/// One type declaration the generated members are nested in, outermost first: its keyword
/// (<c>class</c>, <c>record struct</c>, ...) and its name with type parameters (<c>Outer&lt;T&gt;</c>).
/// </summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);
