namespace Parallax.Generator.Threads;

public sealed partial class ThreadGenerator
{
    /// <summary>Writes the factories and class plumbing, each in a partial declaration of its type.</summary>
    internal static class Emitter
    {
        private const string Handle = "global::Parallax.ThreadHandle";

        public static string Emit(EquatableArray<ThreadSpec> specs, CancellationToken ct)
        {
            var w = new SourceWriter();
            w.Line(SourceWriter.Header);
            foreach (var spec in specs)
            {
                ct.ThrowIfCancellationRequested();
                spec.Hierarchy.Open(w);
                if (spec is ThreadMethodSpec method)
                {
                    Factory(w, method);
                }
                else
                {
                    ClassMembers(w, (ThreadClassSpec)spec);
                }

                spec.Hierarchy.Close(w);
                w.Line();
            }

            return w.ToString();
        }

        private static void Factory(SourceWriter w, ThreadMethodSpec m)
        {
            string kind = m.IsDaemon ? "daemon thread" : "thread";
            w.Line("/// <summary>");
            w.Line($"/// Creates an unstarted {kind} that runs <c>{m.MethodName}</c> with these arguments, as");
            w.Line($"/// Python's <c>Thread(target={m.MethodName}, args=(...){(m.IsDaemon ? ", daemon=True" : "")})</c>. Call <c>Start()</c>, then <c>Join()</c>,");
            w.Line($"/// which rethrows what <c>{m.MethodName}</c> threw.{(m.IsDaemon ? " A daemon thread does not keep the process alive." : "")}");
            w.Line("/// </summary>");
            foreach (var p in m.Parameters)
            {
                w.Line($"/// <param name=\"{p.Name.TrimStart('@')}\">Passed to <c>{m.MethodName}</c> when the thread runs.</param>");
            }

            w.Line("/// <returns>The unstarted thread.</returns>");
            w.Line(SourceWriter.GeneratedCodeAttribute);
            string parameters = string.Join(", ", m.Parameters.Select(p =>
                (p.IsParams ? "params " : "") + p.Type + " " + p.Name + (p.DefaultValue is null ? "" : " = " + p.DefaultValue)));
            w.Line($"{m.Accessibility} {(m.IsStatic ? "static " : "")}{Handle} {m.FactoryName}{m.TypeParameters}({parameters})");
            foreach (var c in m.Constraints)
            {
                w.Indent().Line(c).Unindent();
            }

            w.Line("{").Indent();
            string receiver = m.IsStatic ? "" : "this.";
            if (m.CopiesThis)
            {
                // A lambda cannot capture a struct's this; the thread gets the struct as it is now.
                w.Line("var self = this;");
                receiver = "self.";
            }

            string call = $"{receiver}{m.MethodName}{m.TypeParameters}({string.Join(", ", m.Parameters.Select(p => p.Name))})";
            if (m.Awaits)
            {
                // The thread waits for the task, so the task's exception reaches Join like any other.
                call += ".GetAwaiter().GetResult()";
            }

            w.Line($"return {Handle}.ForMethod(() => {call}, targetName: {CSharpLiteral.Format(m.MethodName)}, name: {CSharpLiteral.Format(m.ThreadName)}, daemon: {(m.IsDaemon ? "true" : "false")});");
            w.CloseBlock();
        }

        private static void ClassMembers(SourceWriter w, ThreadClassSpec c)
        {
            string run = "this.Run()" + (c.RunAwaits ? ".GetAwaiter().GetResult()" : "");
            w.Line($"private {Handle}? __parallaxThread;");
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// The thread this object's <c>Run()</c> runs on, created unstarted on first use, as the");
            w.Line("/// <c>threading.Thread</c> a Python subclass is. The members below forward to it.");
            w.Line("/// </summary>");
            w.Line(SourceWriter.GeneratedCodeAttribute);
            w.OpenBlock($"public {Handle} Handle");
            w.OpenBlock("get");
            w.Line("var handle = global::System.Threading.Volatile.Read(ref this.__parallaxThread);");
            w.OpenBlock("if (handle is null)");
            w.Line($"global::System.Threading.Interlocked.CompareExchange(ref this.__parallaxThread, {Handle}.ForClass(() => {run}, name: {CSharpLiteral.Format(c.ThreadName)}, daemon: {(c.IsDaemon ? "true" : "false")}), null);");
            w.Line("handle = this.__parallaxThread!;");
            w.CloseBlock();
            w.Line();
            w.Line("return handle;");
            w.CloseBlock();
            w.CloseBlock();
            Forward(w, "Starts <c>Run()</c> on its thread, as Python's <c>start()</c>; a second call throws InvalidOperationException.", "public void Start() => this.Handle.Start();");
            Forward(w, "Waits for <c>Run()</c> to end, as Python's <c>join()</c>, and rethrows what it threw.", "public void Join() => this.Handle.Join();");
            Forward(w, "Waits at most <paramref name=\"timeout\"/> for <c>Run()</c> to end; <see langword=\"true\"/> when it ended.", "public bool Join(global::System.TimeSpan timeout) => this.Handle.Join(timeout);", "<param name=\"timeout\">How long to wait.</param>", "<returns>Whether <c>Run()</c> ended in time.</returns>");
            Forward(w, "Waits for <c>Run()</c> to end without blocking the caller; the task faults with what it threw.", "public global::System.Threading.Tasks.Task JoinAsync(global::System.Threading.CancellationToken cancellationToken = default) => this.Handle.JoinAsync(cancellationToken);", "<param name=\"cancellationToken\">Stops the wait, not the thread: the task is then cancelled.</param>", "<returns>A task that completes when <c>Run()</c> has ended.</returns>");
            Forward(w, "Python's <c>is_alive()</c>: whether <c>Run()</c> has started and not yet ended.", "public bool IsAlive => this.Handle.IsAlive;");
            Forward(w, "Python's <c>name</c>: the thread's name, settable at any time (for example in a constructor).", "public string Name { get => this.Handle.Name; set => this.Handle.Name = value; }");
            Forward(w, "Python's <c>ident</c>: unique among live threads, or null before <c>Start()</c>.", "public int? Ident => this.Handle.Ident;");
            Forward(w, "Python's <c>daemon</c>: a daemon thread does not keep the process alive. Set it before <c>Start()</c>.", "public bool IsDaemon { get => this.Handle.IsDaemon; set => this.Handle.IsDaemon = value; }");
        }

        private static void Forward(SourceWriter w, string summary, string member, params string[] moreDoc)
        {
            w.Line();
            w.Line($"/// <summary>{summary}</summary>");
            foreach (var doc in moreDoc)
            {
                w.Line("/// " + doc);
            }

            w.Line(SourceWriter.GeneratedCodeAttribute);
            w.Line(member);
        }


    }
}
