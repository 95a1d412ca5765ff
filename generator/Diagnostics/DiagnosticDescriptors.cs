namespace Parallax.Generator.Diagnostics;

/// <summary>
/// Every diagnostic Parallax reports, one descriptor per reason. Ids are PAR####, each with a help
/// page at docs/diagnostics/PAR####.md, shipped in the package; <see cref="Common.HelpLinks"/> turns the
/// link into the page on the building machine. Ranges: 0001-0099 general, 1000-1999 [Jit]/[Vectorize],
/// 2000-2999 engines, 3000-3999 threads.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string HelpRoot = "docs/diagnostics/";

    /// <summary>A descriptor whose category follows from its id's range (see above), an error unless <paramref name="severity"/> says otherwise.</summary>
    internal static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
        new(id, title, message, CategoryOf(id), severity, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

    private static string CategoryOf(string id) => id[3] switch
    {
        '1' => "Parallax.Jit",
        '2' => "Parallax.Engines",
        '3' => "Parallax.Threads",
        _ => "Parallax.Usage",
    };

    /// <summary>PAR0001: an annotated method's containing types must be partial so the generator can add members beside it.</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        "PAR0001",
        "Containing type must be partial",
        "'{0}' is annotated with [{1}], so its containing type '{2}' and every type enclosing it must be declared partial");

    // ---- [Jit] and [Vectorize]: PAR1000-PAR1999 (add below this line) ----

    /// <summary>PAR1000: the annotated method cannot become a kernel because of its signature.</summary>
    public static readonly DiagnosticDescriptor JitMethodShape = Create(
        "PAR1000",
        "Method cannot become a kernel",
        "'{0}' cannot become a kernel: {1}");

    /// <summary>PAR1001: a statement outside the loop that the kernel model does not cover.</summary>
    public static readonly DiagnosticDescriptor JitStatementOutsideLoop = Create(
        "PAR1001",
        "Statement not supported outside the loop",
        "'{0}' cannot become a kernel: outside the loop only length locals, the result array, scalar locals and one final return are supported ({1})");

    /// <summary>PAR1002: the loop header is not the counted loop a kernel needs.</summary>
    public static readonly DiagnosticDescriptor JitLoopShape = Create(
        "PAR1002",
        "Loop is not a counted loop over an array",
        "'{0}' cannot become a kernel: the loop must be 'for (int i = c; i < a.Length; i++)' with a constant c >= 0 over an array or span, with i never assigned in the body ({1})");

    /// <summary>PAR1003: one iteration reads what an earlier iteration wrote.</summary>
    public static readonly DiagnosticDescriptor JitLoopCarriedDependency = Create(
        "PAR1003",
        "Loop-carried dependency",
        "'{0}' cannot become a kernel: '{1}' reads a value written by an earlier iteration, so iterations cannot run side by side");

    /// <summary>PAR1004: an array is indexed by something other than the loop variable.</summary>
    public static readonly DiagnosticDescriptor JitUnsupportedIndex = Create(
        "PAR1004",
        "Index other than the loop variable",
        "'{0}' cannot become a kernel: '{1}' indexes with something other than the loop variable '{2}'; only a[{2}] and, for arrays the loop only reads, a[{2} + c] and a[{2} - c] with a constant c are supported");

    /// <summary>PAR1005: a call or operator with no vector form.</summary>
    public static readonly DiagnosticDescriptor JitNoVectorForm = Create(
        "PAR1005",
        "Operation has no vector form",
        "'{0}' cannot become a kernel: '{1}' has no vector form ({2})");

    /// <summary>PAR1006: a statement kind a kernel body cannot contain (try, throw, nested loop, ...).</summary>
    public static readonly DiagnosticDescriptor JitUnsupportedStatement = Create(
        "PAR1006",
        "Statement not supported in a kernel loop",
        "'{0}' cannot become a kernel: {1} is not supported inside the loop");

    /// <summary>PAR1007: control flow that leaves the loop early.</summary>
    public static readonly DiagnosticDescriptor JitEarlyExit = Create(
        "PAR1007",
        "Early exit from the loop",
        "'{0}' cannot become a kernel: '{1}' leaves the loop or skips iterations; every iteration must run to the end");

    /// <summary>PAR1008: a type with no vector element form.</summary>
    public static readonly DiagnosticDescriptor JitUnsupportedType = Create(
        "PAR1008",
        "Unsupported type",
        "'{0}' cannot become a kernel: '{1}' has type '{2}'; supported are float, double, byte, sbyte, short, ushort, int, uint, long and ulong, as scalars, arrays, Span<T> or ReadOnlySpan<T>");

    /// <summary>PAR1009: a per-element conversion between widths whose vector form would not be exact.</summary>
    public static readonly DiagnosticDescriptor JitMixedWidths = Create(
        "PAR1009",
        "Conversion between widths has no exact vector form",
        "'{0}' cannot become a kernel: '{1}' converts per-element {2} values to {3}: {4}");

    /// <summary>PAR1010: an array whose aliasing the generator cannot reason about.</summary>
    public static readonly DiagnosticDescriptor JitUnprovableAliasing = Create(
        "PAR1010",
        "Aliasing cannot be proven safe",
        "'{0}' cannot become a kernel: '{1}' may alias another array; index only parameters and arrays allocated with 'new T[length]' in the method");

    /// <summary>PAR1011: a vector function whose rounding differs from Math's, used without FastMath.</summary>
    public static readonly DiagnosticDescriptor JitNeedsFastMath = Create(
        "PAR1011",
        "Function rounds differently in vector form",
        "'{0}' cannot become a kernel: the vector form of '{1}' may differ from Math.{2} in the last bit; set [Jit(FastMath = true)] to accept that");

    /// <summary>PAR1012: Parallel = true with span parameters, which cannot be shared with worker threads.</summary>
    public static readonly DiagnosticDescriptor JitParallelNeedsArrays = Create(
        "PAR1012",
        "Parallel kernels need array parameters",
        "'{0}' cannot run in parallel: '{1}' is a span, which cannot be shared with worker threads; pass an array or remove Parallel = true");

    /// <summary>PAR1013: an expression form the loop model does not cover.</summary>
    public static readonly DiagnosticDescriptor JitUnsupportedExpression = Create(
        "PAR1013",
        "Expression not supported in a kernel",
        "'{0}' cannot become a kernel: '{1}' is not supported ({2})");

    /// <summary>PAR1014: a read at a negative offset that is before the array's start in the loop's first iteration.</summary>
    public static readonly DiagnosticDescriptor JitIndexBeforeStart = Create(
        "PAR1014",
        "Index before the start of the array",
        "'{0}' cannot become a kernel: '{1}' reads before the start of '{2}' when the loop starts at {3}; start the loop at {4} or later");

    /// <summary>PAR1015: integer arithmetic in a checked context, which throws on overflow where a vector lane wraps.</summary>
    public static readonly DiagnosticDescriptor JitCheckedArithmetic = Create(
        "PAR1015",
        "Checked integer arithmetic",
        "'{0}' cannot become a kernel: '{1}' is checked integer arithmetic ({2}), so the scalar loop throws OverflowException where a vector lane would wrap; write it inside unchecked(...) or an unchecked block if wrapping is intended");

    /// <summary>PAR1016: a [Jit] method reached other than by a direct call of this compilation would run its scalar loop.</summary>
    public static readonly DiagnosticDescriptor JitIndirectUse = Create(
        "PAR1016",
        "[Jit] method used where no interceptor reaches",
        "'{0}' would run its scalar loop here, not its kernel: {1}");

    /// <summary>PAR1100: a float reduction stays scalar because reassociating it would change its rounding.</summary>
    public static readonly DiagnosticDescriptor JitExactReduction = Create(
        "PAR1100",
        "Floating-point reduction kept exact and scalar",
        "'{0}' stays a scalar loop: vectorizing the {1} reduction into '{2}' would add in a different order and change its rounding; set [Jit(FastMath = true)] to allow that",
        DiagnosticSeverity.Info);



    // ---- Engines: PAR2000-PAR2999 (add below this line) ----

    /// <summary>PAR2001: the delegate given to a view is not a lambda or method group, so no stub exists for it.</summary>
    public static readonly DiagnosticDescriptor EngineDelegateUnknown = Create(
        "PAR2001",
        "Engine code must be a lambda or a method group",
        "'{0}' passes a delegate whose target is unknown at build time; pass a lambda or a static method group directly, so the generator can build its dispatch stub");

    /// <summary>PAR2002: a lambda captures a variable whose type cannot be serialized.</summary>
    public static readonly DiagnosticDescriptor EngineCaptureNotSerializable = Create(
        "PAR2002",
        "Captured variable cannot be sent to an engine",
        "Captured variable '{0}' of type '{1}' cannot be sent to an engine: {2}");

    /// <summary>PAR2003: the code's result type cannot be serialized.</summary>
    public static readonly DiagnosticDescriptor EngineResultNotSerializable = Create(
        "PAR2003",
        "Engine result cannot be sent back",
        "The result of '{0}' has type '{1}', which cannot be sent back from an engine: {2}");

    /// <summary>PAR2004: a parameter (of a [ParallelEngine] method, or Map's item) cannot be serialized.</summary>
    public static readonly DiagnosticDescriptor EngineParameterNotSerializable = Create(
        "PAR2004",
        "Engine parameter cannot be sent to an engine",
        "Parameter '{0}' of type '{1}' cannot be sent to an engine: {2}");

    /// <summary>PAR2005: engine code uses <c>this</c> or an instance member, which does not exist on the engine.</summary>
    public static readonly DiagnosticDescriptor EngineUsesInstance = Create(
        "PAR2005",
        "Engine code cannot use this or instance members",
        "'{0}' refers to the current instance, which does not exist on an engine; copy what is needed into a local variable (it is sent as a captured value) or use a static member");

    /// <summary>PAR2006: engine code uses a member or type the generated stub cannot reach.</summary>
    public static readonly DiagnosticDescriptor EngineMemberNotAccessible = Create(
        "PAR2006",
        "Engine code uses something the generated stub cannot reach",
        "'{0}' is {1}, which the generated dispatch stub cannot reach; make it internal or public (and static), or move it into the lambda");

    /// <summary>PAR2007: a lambda assigns a captured variable; the change would stay on the engine.</summary>
    public static readonly DiagnosticDescriptor EngineAssignsCapture = Create(
        "PAR2007",
        "Engine code cannot assign a captured variable",
        "The lambda assigns captured variable '{0}', but it runs on an engine with a copy, so the change would never reach the caller; return the value instead");

    /// <summary>PAR2008: a [ParallelEngine] method is not a static, non-generic method.</summary>
    public static readonly DiagnosticDescriptor EngineMethodShape = Create(
        "PAR2008",
        "[ParallelEngine] method must be static and non-generic",
        "[ParallelEngine] method '{0}' must be {1}: engines call it without an instance and need its concrete types at build time");



    // ---- Threads: PAR3000-PAR3999 (add below this line) ----

    /// <summary>PAR3001: a thread's entry code writes state other threads share without synchronization.</summary>
    public static readonly DiagnosticDescriptor UnsynchronizedSharedWrite = Create(
        "PAR3001",
        "Thread writes shared state without synchronization",
        "'{0}' runs on its own thread and writes {1} '{2}' {3}: threads started from it race on that write. {4}",
        DiagnosticSeverity.Warning);

    /// <summary>PAR3002: a [Thread]/[Daemon] class must be partial for the generator to add its thread members.</summary>
    public static readonly DiagnosticDescriptor ThreadClassNotPartial = Create(
        "PAR3002",
        "Thread class must be partial",
        "Class '{0}' is annotated with [{1}], so it must be declared partial for Start, Join and the other thread members to be added to it");

    /// <summary>PAR3003: a [Thread]/[Daemon] class needs an instance Run() method for its thread to run.</summary>
    public static readonly DiagnosticDescriptor ThreadClassWithoutRun = Create(
        "PAR3003",
        "Thread class has no Run method",
        "Class '{0}' is annotated with [{1}] but declares no parameterless instance method 'Run()' for its thread to run; add one (any accessibility)");

    /// <summary>PAR3004: a parameter that cannot outlive the call cannot be handed to a thread.</summary>
    public static readonly DiagnosticDescriptor ThreadParameterNotCapturable = Create(
        "PAR3004",
        "Parameter cannot be passed to a thread",
        "Parameter '{0}' of '{1}' is {2}, which cannot be kept for a thread that runs after the factory returns; pass it by value (an array or Memory<T> instead of a span)");

    /// <summary>PAR3005: the member the generator would add already exists.</summary>
    public static readonly DiagnosticDescriptor ThreadMemberExists = Create(
        "PAR3005",
        "Generated thread member already declared",
        "'{0}' already declares or inherits a member named '{1}', which [{2}] generates; rename or remove it");

    /// <summary>PAR3006: [Thread] and [Daemon] on the same target contradict each other.</summary>
    public static readonly DiagnosticDescriptor ThreadAndDaemon = Create(
        "PAR3006",
        "Both [Thread] and [Daemon]",
        "'{0}' has both [Thread] and [Daemon]; keep [Daemon] for a background thread that does not keep the process alive, or [Thread] for one that does");

    /// <summary>PAR3007: a [Thread]/[Daemon] class derives from another one, which already has the thread members.</summary>
    public static readonly DiagnosticDescriptor ThreadClassDerivesFromThreadClass = Create(
        "PAR3007",
        "Thread class derives from a thread class",
        "'{0}' is annotated with [{1}] but derives from '{2}', which [{3}] already gives Start, Join and the other thread members; remove [{1}] from '{0}', and to change what the thread runs declare '{2}'s Run() virtual or abstract and override it");



}
