using Microsoft.CodeAnalysis;

namespace Parallax.Generator.Diagnostics;

/// <summary>
/// Every diagnostic Parallax reports, one descriptor per reason. Ids are PAR####, each with a help
/// page at docs/diagnostics/PAR####.md. Ranges: 0001-0099 general, 1000-1999 [Jit]/[Vectorize],
/// 2000-2999 engines, 3000-3999 threads.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string HelpRoot = "https://github.com/parallax-dotnet/parallax/blob/main/docs/diagnostics/";

    internal static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

    /// <summary>PAR0001: an annotated method's containing types must be partial so the generator can add members beside it.</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        "PAR0001",
        "Containing type must be partial",
        "'{0}' is annotated with [{1}], so its containing type '{2}' and every type enclosing it must be declared partial",
        "Parallax.Usage",
        DiagnosticSeverity.Error);

    // ---- [Jit] and [Vectorize]: PAR1000-PAR1999 (add below this line) ----



    // ---- Engines: PAR2000-PAR2999 (add below this line) ----

    /// <summary>PAR2001: the delegate given to a view is not a lambda or method group, so no stub exists for it.</summary>
    public static readonly DiagnosticDescriptor EngineDelegateUnknown = Create(
        "PAR2001",
        "Engine code must be a lambda or a method group",
        "'{0}' passes a delegate whose target is unknown at build time; pass a lambda or a static method group directly, so the generator can build its dispatch stub",
        "Parallax.Engines",
        DiagnosticSeverity.Error);

    /// <summary>PAR2002: a lambda captures a variable whose type cannot be serialized.</summary>
    public static readonly DiagnosticDescriptor EngineCaptureNotSerializable = Create(
        "PAR2002",
        "Captured variable cannot be sent to an engine",
        "Captured variable '{0}' of type '{1}' cannot be sent to an engine: {2}",
        "Parallax.Engines",
        DiagnosticSeverity.Error);

    /// <summary>PAR2003: the code's result type cannot be serialized.</summary>
    public static readonly DiagnosticDescriptor EngineResultNotSerializable = Create(
        "PAR2003",
        "Engine result cannot be sent back",
        "The result of '{0}' has type '{1}', which cannot be sent back from an engine: {2}",
        "Parallax.Engines",
        DiagnosticSeverity.Error);

    /// <summary>PAR2004: a parameter (of a [ParallelEngine] method, or Map's item) cannot be serialized.</summary>
    public static readonly DiagnosticDescriptor EngineParameterNotSerializable = Create(
        "PAR2004",
        "Engine parameter cannot be sent to an engine",
        "Parameter '{0}' of type '{1}' cannot be sent to an engine: {2}",
        "Parallax.Engines",
        DiagnosticSeverity.Error);

    /// <summary>PAR2005: engine code uses <c>this</c> or an instance member, which does not exist on the engine.</summary>
    public static readonly DiagnosticDescriptor EngineUsesInstance = Create(
        "PAR2005",
        "Engine code cannot use this or instance members",
        "'{0}' refers to the current instance, which does not exist on an engine; copy what is needed into a local variable (it is sent as a captured value) or use a static member",
        "Parallax.Engines",
        DiagnosticSeverity.Error);

    /// <summary>PAR2006: engine code uses a member or type the generated stub cannot reach.</summary>
    public static readonly DiagnosticDescriptor EngineMemberNotAccessible = Create(
        "PAR2006",
        "Engine code uses something the generated stub cannot reach",
        "'{0}' is {1}, which the generated dispatch stub cannot reach; make it internal or public (and static), or move it into the lambda",
        "Parallax.Engines",
        DiagnosticSeverity.Error);

    /// <summary>PAR2007: a lambda assigns a captured variable; the change would stay on the engine.</summary>
    public static readonly DiagnosticDescriptor EngineAssignsCapture = Create(
        "PAR2007",
        "Engine code cannot assign a captured variable",
        "The lambda assigns captured variable '{0}', but it runs on an engine with a copy, so the change would never reach the caller; return the value instead",
        "Parallax.Engines",
        DiagnosticSeverity.Error);

    /// <summary>PAR2008: a [ParallelEngine] method is not a static, non-generic method.</summary>
    public static readonly DiagnosticDescriptor EngineMethodShape = Create(
        "PAR2008",
        "[ParallelEngine] method must be static and non-generic",
        "[ParallelEngine] method '{0}' must be {1}: engines call it without an instance and need its concrete types at build time",
        "Parallax.Engines",
        DiagnosticSeverity.Error);



    // ---- Threads: PAR3000-PAR3999 (add below this line) ----



}
