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



    // ---- Threads: PAR3000-PAR3999 (add below this line) ----

    /// <summary>PAR3001: a thread's entry code writes state other threads share without synchronization.</summary>
    public static readonly DiagnosticDescriptor UnsynchronizedSharedWrite = Create(
        "PAR3001",
        "Thread writes shared state without synchronization",
        "'{0}' runs on its own thread and writes {1} '{2}' without lock, Interlocked or volatile; threads started from it race on that write",
        "Parallax.Threads",
        DiagnosticSeverity.Warning);

    /// <summary>PAR3002: a [Thread]/[Daemon] class must be partial for the generator to add its thread members.</summary>
    public static readonly DiagnosticDescriptor ThreadClassNotPartial = Create(
        "PAR3002",
        "Thread class must be partial",
        "Class '{0}' is annotated with [{1}], so it must be declared partial for Start, Join and the other thread members to be added to it",
        "Parallax.Threads",
        DiagnosticSeverity.Error);

    /// <summary>PAR3003: a [Thread]/[Daemon] class needs an instance Run() method for its thread to run.</summary>
    public static readonly DiagnosticDescriptor ThreadClassWithoutRun = Create(
        "PAR3003",
        "Thread class has no Run method",
        "Class '{0}' is annotated with [{1}] but declares no parameterless instance method 'Run()' for its thread to run; add one (any accessibility)",
        "Parallax.Threads",
        DiagnosticSeverity.Error);

    /// <summary>PAR3004: a parameter that cannot outlive the call cannot be handed to a thread.</summary>
    public static readonly DiagnosticDescriptor ThreadParameterNotCapturable = Create(
        "PAR3004",
        "Parameter cannot be passed to a thread",
        "Parameter '{0}' of '{1}' is {2}, which cannot be kept for a thread that runs after the factory returns; pass it by value (an array or Memory<T> instead of a span)",
        "Parallax.Threads",
        DiagnosticSeverity.Error);

    /// <summary>PAR3005: the member the generator would add already exists.</summary>
    public static readonly DiagnosticDescriptor ThreadMemberExists = Create(
        "PAR3005",
        "Generated thread member already declared",
        "'{0}' already declares a member named '{1}', which [{2}] generates; rename or remove it",
        "Parallax.Threads",
        DiagnosticSeverity.Error);

    /// <summary>PAR3006: [Thread] and [Daemon] on the same target contradict each other.</summary>
    public static readonly DiagnosticDescriptor ThreadAndDaemon = Create(
        "PAR3006",
        "Both [Thread] and [Daemon]",
        "'{0}' has both [Thread] and [Daemon]; keep [Daemon] for a background thread that does not keep the process alive, or [Thread] for one that does",
        "Parallax.Threads",
        DiagnosticSeverity.Error);



}
