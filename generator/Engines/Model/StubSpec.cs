namespace Parallax.Generator.Engines.Model;

/// <summary>
/// The code one dispatch stub runs on an engine, as text: the lambda body (its names made fully
/// qualified so it compiles outside its original scope) or a call to the method group's target.
/// </summary>
/// <param name="ClassName">The generated class, unique in the compilation.</param>
/// <param name="Id">The stable dispatch id.</param>
/// <param name="Origin">What the stub was made from, for the generated doc comment.</param>
/// <param name="Usings">The source file's using directives, fully qualified (extension methods need them).</param>
/// <param name="Captures">The captured variables, in declaration order: the stub's arguments.</param>
/// <param name="Item">Map's item parameter (the lambda's parameter), or null for Apply.</param>
/// <param name="ResultType">The fully qualified result type, or empty for an Action.</param>
/// <param name="ResultArrayType">An array of the result type (C# writes <c>double[][,]</c> for an array of <c>double[,]</c>), or empty.</param>
/// <param name="ItemArrayType">An array of Map's item type, or empty.</param>
/// <param name="RunBody">The stub method's body: <c>=&gt; expression;</c> or a block.</param>
/// <param name="Dedent">Whether <paramref name="RunBody"/> may be re-indented (false when it holds a multi-line verbatim string).</param>
internal sealed record StubSpec(
    string ClassName,
    string Id,
    string Origin,
    EquatableArray<string> Usings,
    EquatableArray<ValueSpec> Captures,
    ValueSpec? Item,
    string ResultType,
    string ResultArrayType,
    string ItemArrayType,
    string RunBody,
    bool Dedent);
