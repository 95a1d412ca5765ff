using System.Globalization;
using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// What an engine does with a request, whatever carried it there: runs it one at a time with the
/// console captured, on the engine's namespace and the invoker table its loaded assemblies filled,
/// and turns what the code threw into text. The socket host (<see cref="EngineHost"/>) and a silo's
/// engine grain (Parallax.Orleans) each hold one; only how requests arrive and replies leave differs.
/// </summary>
internal sealed class EngineExecutor
{
    private readonly Lock gate = new();
    private readonly int textLimit;

    /// <param name="engineId">The engine's id, as clients number it.</param>
    /// <param name="mac">Checks values pushed through shared memory (a fresh random one when nothing is).</param>
    /// <param name="textLimit">The most characters of each text (output, an exception's message and stack) a reply carries.</param>
    /// <param name="segments">Where matrices engine code writes are kept so that a pull maps them (none: they are arrays).</param>
    /// <param name="sharedThreshold">The size from which a written matrix goes into <paramref name="segments"/>.</param>
    private EngineExecutor(int engineId, SegmentMac mac, int textLimit, ReplySegments? segments, long sharedThreshold)
    {
        EngineId = engineId;
        this.textLimit = textLimit;
        Namespace = new EngineNamespace(engineId, mac, segments, sharedThreshold);
    }

    /// <summary>Gets the engine's id.</summary>
    public int EngineId { get; }

    /// <summary>Gets the engine's variables.</summary>
    public EngineNamespace Namespace { get; }

    /// <summary>
    /// Makes this process engine <paramref name="engineId"/>: its namespace becomes the one
    /// <c>Engine.Get/Set</c> use, and Parallax's own stubs (<see cref="BuiltinStubs"/>) are registered.
    /// One per process: engine code reads its namespace from a static.
    /// </summary>
    public static EngineExecutor Install(int engineId, SegmentMac mac, int textLimit, ReplySegments? segments = null, long sharedThreshold = long.MaxValue)
    {
        var executor = new EngineExecutor(engineId, mac, textLimit, segments, sharedThreshold);
        EngineNamespace.Install(executor.Namespace);
        EngineDispatch.Register(BuiltinStubs.Shape, arguments =>
        {
            var name = MemoryPackSerializer.Deserialize<string>(arguments.Span)!;
            return MemoryPackSerializer.Serialize(EngineNamespace.Current.Shape(name));
        });
        EngineDispatch.Register(BuiltinStubs.WarmUpId, BuiltinStubs.WarmUp);
        return executor;
    }

    /// <summary>
    /// Runs one request after any other has finished, with what its code writes to the console captured;
    /// an exception becomes the reply's error and never leaves here.
    /// </summary>
    /// <param name="request">The request's work; it starts the capture (<see cref="CapturedOutput.Start"/>) where user code begins.</param>
    /// <param name="rejected">Told of a request refused for its integrity (a frame or tag that does not check).</param>
    public Executed Run(Func<CapturedOutput, Payload> request, Action<string>? rejected = null)
    {
        lock (gate)
        {
            var started = DateTime.UtcNow.Ticks;
            var output = new CapturedOutput();
            var result = Payload.FromBytes(default);
            RemoteError? error = null;
            try
            {
                result = request(output);
            }
            catch (FrameRejectedException ex)
            {
                rejected?.Invoke(ex.Message);
                error = new RemoteError(typeof(System.Security.SecurityException).FullName!, ex.Message, "");
            }
            catch (Exception ex)
            {
                error = Describe(ex);
            }
            finally
            {
                output.Stop();

                // What the request let go of (a replaced or removed variable) is unmapped or reused from
                // here on; its views, valid through the request, now throw instead of reading it.
                Namespace.EndRequest();
            }

            const string advice = "print less, or return the data as the call's result";
            return new Executed(started, Capped(output.Stdout, advice), Capped(output.Stderr, advice), error, result);
        }
    }

    /// <summary>Runs dispatched call <paramref name="dispatchId"/> of build <paramref name="mvid"/> of <paramref name="assemblyPath"/> on its serialized arguments.</summary>
    public static Payload Apply(string dispatchId, string assemblyPath, Guid mvid, ReadOnlyMemory<byte> arguments, CapturedOutput output)
    {
        var invokers = AssemblyLoader.EnsureLoaded(assemblyPath, mvid);
        if (!invokers.TryGetValue(dispatchId, out var invoker) && !EngineDispatch.TryGet(dispatchId, out invoker))
        {
            throw new InvalidOperationException($"No dispatch stub '{dispatchId}' is registered in '{assemblyPath}'. Rebuild the project with the Parallax generator enabled (warning CS9057 must not be suppressed).");
        }

        output.Start();
        return Payload.FromBytes(invoker(arguments));
    }

    /// <summary>Compiles a C# code string against the namespace (or finds it compiled) and runs it, unless the request only compiles it.</summary>
    public Payload RunCode(ExecuteMeta meta, CapturedOutput output)
    {
        output.Start();
        return Payload.FromBytes(MemoryPackSerializer.Serialize(Namespace.Scripts.Execute(meta)));
    }

    /// <summary>Sends back variable <paramref name="name"/> serialized, checked against the type the client reads it as.</summary>
    public Payload Pull(string name, string expectedType) => Namespace.Serialize(name, expectedType);

    /// <summary>An exception as the text a reply carries: type, message and stack, inner exceptions included, each capped.</summary>
    public RemoteError Describe(Exception ex)
    {
        var stack = ex.StackTrace ?? "";
        for (var inner = ex.InnerException; inner is not null && stack.Length <= textLimit; inner = inner.InnerException)
        {
            stack += $"{Environment.NewLine}---> {inner.GetType().FullName}: {inner.Message}{Environment.NewLine}{inner.StackTrace}";
        }

        const string advice = "the engine's reply holds at most ClusterOptions.MaxFrameBytes / 32 characters of each text";
        return new RemoteError(Capped(ex.GetType().FullName ?? ex.GetType().Name, advice), Capped(ex.Message, advice), Capped(stack, advice));
    }

    /// <summary>
    /// Text that travels in a reply is cut to the limit, with a note of what was dropped: a reply over
    /// what the transport carries would be refused, and the engine taken for dead.
    /// </summary>
    private string Capped(string text, string advice) =>
        text.Length <= textLimit ? text : $"{text[..textLimit]}{Environment.NewLine}[... {text.Length - textLimit} more characters dropped: {advice}]";
}

/// <summary>What running one request gave: when it started (UTC ticks), what it printed, the error its code threw or the result.</summary>
internal readonly record struct Executed(long StartedTicks, string Stdout, string Stderr, RemoteError? Error, Payload Result);

/// <summary>What a request's code writes to the console, captured from <see cref="Start"/> to <see cref="Stop"/>.</summary>
internal sealed class CapturedOutput
{
    private readonly StringWriter stdout = new(CultureInfo.InvariantCulture);
    private readonly StringWriter stderr = new(CultureInfo.InvariantCulture);
    private (TextWriter Out, TextWriter Error)? saved;

    public string Stdout => stdout.ToString();

    public string Stderr => stderr.ToString();

    public void Start()
    {
        saved = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
    }

    public void Stop()
    {
        if (saved is { } console)
        {
            Console.SetOut(console.Out);
            Console.SetError(console.Error);
            saved = null;
        }
    }
}
