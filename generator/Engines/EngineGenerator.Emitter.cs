namespace Parallax.Generator.Engines;

public sealed partial class EngineGenerator
{
    /// <summary>Writes the stub classes, interceptors and typed helpers from specs.</summary>
    internal static class Emitter
    {
        private const string Serializer = "global::MemoryPack.MemoryPackSerializer";
        private const string Submit = "global::Parallax.CompilerServices.EngineSubmit";
        private const string EngineCall = "global::Parallax.CompilerServices.EngineCall";

        // MemoryPack has formatters for ValueTuple up to seven elements; longer argument lists nest.
        private const int TupleWidth = 7;

        public static string EmitCallSite(ViewCallSpec site)
        {
            var stub = site.Stub;
            var w = new SourceWriter();
            w.Line(SourceWriter.Header);
            foreach (var u in stub.Usings)
            {
                w.Line(u);
            }

            if (stub.Usings.Count > 0)
            {
                w.Line();
            }

            w.OpenBlock("namespace " + KnownNames.InterceptorsNamespace);
            w.Line($"/// <summary>Engine dispatch stub for {Xml(stub.Origin)}.</summary>");
            w.Line(SourceWriter.GeneratedCodeAttribute);
            w.OpenBlock("internal static class " + stub.ClassName);
            w.Line("/// <summary>The stable id the engines' invoker table knows this code by.</summary>");
            w.Line($"public const string Id = \"{stub.Id}\";");
            w.Line();

            var runParameters = stub.Captures.Concat(stub.Item is null ? Array.Empty<ValueSpec>() : new[] { stub.Item }).ToList();
            w.Line("/// <summary>The code that runs on the engine" + (stub.Captures.Count > 0 ? ", its captured variables as parameters" : string.Empty) + ".</summary>");
            // The body was checked in its original context; nullable flow warnings would only repeat (or misread) that check:
            // a `var` local of a reference type is declared nullable (string?) even where its flow state is not-null, so
            // `var name = "x"; v.ApplySync(() => name.Length)` would warn here, and warnings are errors in most projects.
            w.Line("#nullable disable warnings");
            string signature = $"internal static {ResultOrVoid(stub.ResultType)} Run({Parameters(runParameters)})";
            WriteBody(w, signature, stub.RunBody, stub.Dedent);
            w.Line("#nullable enable");
            w.Line();

            var arguments = stub.Captures.ToList();
            bool map = stub.Item is not null;
            if (map)
            {
                arguments.Add(new ValueSpec("__block", stub.ItemArrayType));
            }

            w.Line("/// <summary>Serializes the call's arguments" + (map ? ": the captured variables and one block of items" : stub.Captures.Count > 0 ? ": the captured variables" : " (none)") + ".</summary>");
            WriteEncode(w, "Encode", arguments);
            w.Line();
            w.Line("/// <summary>Runs the call on an engine: reads the arguments, runs the code, serializes the result.</summary>");
            w.OpenBlock("internal static byte[] Invoke(global::System.ReadOnlyMemory<byte> __arguments)");
            WriteDecode(w, arguments);
            string runArguments = string.Join(", ", stub.Captures.Select(c => c.Name));
            if (map && site.RunsEachTask)
            {
                // A load-balanced chunk: each item is a task of its own (its exception is its own; none starts after a cancel).
                string itemArguments = runArguments.Length == 0 ? "__item" : runArguments + ", __item";
                w.Line($"return global::Parallax.CompilerServices.EngineTasks.RunEach<{site.ItemType}, {stub.ResultType}>(__block, __item => Run({itemArguments}));");
            }
            else if (map)
            {
                string itemArguments = runArguments.Length == 0 ? "__block[__i]" : runArguments + ", __block[__i]";
                w.Line($"var __results = global::System.GC.AllocateArray<{stub.ResultType}>(__block.Length);");
                w.OpenBlock("for (int __i = 0; __i < __block.Length; __i++)");
                w.Line($"__results[__i] = Run({itemArguments});");
                w.CloseBlock();
                w.Line();
                w.Line($"return {Serializer}.Serialize<{stub.ResultArrayType}>(__results);");
            }
            else if (stub.ResultType.Length == 0)
            {
                w.Line($"Run({runArguments});");
                w.Line("return global::System.Array.Empty<byte>();");
            }
            else
            {
                w.Line($"return {Serializer}.Serialize<{stub.ResultType}>(Run({runArguments}));");
            }

            w.CloseBlock();
            w.Line();
            w.Line("/// <summary>Adds <see cref=\"Invoke\"/> to the engines' invoker table when an engine loads this assembly.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
            w.Line("internal static void Register() => global::Parallax.CompilerServices.EngineDispatch.Register(Id, Invoke);");
            w.Line();
            WriteInterceptor(w, site);
            w.CloseBlock();
            w.CloseBlock();
            w.Line();
            InterceptedLocation.WriteAttributeDeclaration(w);
            return w.ToString();
        }

        private static void WriteInterceptor(SourceWriter w, ViewCallSpec site)
        {
            var stub = site.Stub;
            bool map = stub.Item is not null;
            bool action = stub.ResultType.Length == 0;
            bool sync = site.Api.EndsWith("Sync", StringComparison.Ordinal);

            // The interceptor repeats the called method's parameters; those after the delegate (and Map's items)
            // go on to EngineSubmit by name, so each view's options reach the overload that takes them.
            string delegateName = site.Parameters[0].Name;
            string parameters = $"this {site.View} view, " + Parameters(site.Parameters);
            string options = string.Concat(site.Parameters.Skip(map ? 2 : 1).Select(p => $", {p.Name}: {p.Name}"));

            w.Line($"/// <summary>Replaces the call to <c>{site.Api}</c>: sends this stub instead of running the delegate here.</summary>");
            w.Line(site.Location.Attribute);
            w.OpenBlock($"internal static {site.ReturnType} {site.Api}({parameters})");
            foreach (var capture in stub.Captures)
            {
                w.Line($"var {Captured(capture)} = global::Parallax.CompilerServices.EngineClosure.Read<{capture.Type}>({delegateName}, \"{capture.Name.TrimStart('@')}\");");
            }

            string captureArguments = string.Join(", ", stub.Captures.Select(Captured));
            string location = $"typeof({stub.ClassName}).Assembly.Location";
            string call;
            if (map)
            {
                string encode = captureArguments.Length == 0 ? "Encode" : $"__block => Encode({captureArguments}, __block)";
                call = $"{Submit}.SubmitMap<{site.ItemType}, {stub.ResultType}>(view, Id, {location}, {site.Parameters[1].Name}, {encode}{options})";
            }
            else
            {
                string engineCall = $"new {EngineCall}(Id, Encode({captureArguments}), {location})";
                call = action ? $"{Submit}.Submit(view, {engineCall}{options})" : $"{Submit}.Submit<{stub.ResultType}>(view, {engineCall}{options})";
            }

            w.Line((site.ReturnType == "void" ? string.Empty : "return ") + call + (sync ? ".Get()" : string.Empty) + ";");
            w.CloseBlock();
        }

        private static void WriteHelperParameters(SourceWriter w, string viewName, ParallelEngineSpec method)
        {
            w.Line($"/// <param name=\"{viewName}\">The engines to run on.</param>");
            foreach (var p in method.Parameters)
            {
                w.Line($"/// <param name=\"{p.Name.TrimStart('@')}\">Sent to the engines as the method's <c>{p.Name.TrimStart('@')}</c>.</param>");
            }
        }

        public static string HintName(ParallelEngineSpec method) => method.Hierarchy.DottedName + "." + method.Name + method.Suffix;

        public static string EmitMethod(ParallelEngineSpec method)
        {
            var w = new SourceWriter();
            w.Line(SourceWriter.Header);
            method.Hierarchy.Open(w);

            string name = method.Name + method.Suffix;
            string parameters = Parameters(method.Parameters);
            string arguments = string.Join(", ", method.Parameters.Select(p => p.Name));
            string cref = $"{method.ContainingType}.{method.Name}({string.Join(", ", method.Parameters.Select(p => p.Type))})";
            bool isVoid = method.ResultType.Length == 0;
            string viewName = Unused("view", method.Parameters);
            string tokenName = Unused("cancellationToken", method.Parameters);

            w.Line("/// <summary>Runs this type's <c>[ParallelEngine]</c> methods on engines: an Async and a Sync helper per method and kind of view.</summary>");
            w.OpenBlock("public static partial class Remote");
            w.Line($"/// <summary>The stable id the engines' invoker table knows <see cref=\"{Xml(cref)}\"/> by.</summary>");
            w.Line($"internal const string {name}Id = \"{method.Id}\";");
            w.Line();

            string rest = parameters.Length == 0 ? string.Empty : ", " + parameters;
            string engineCall = $"new {EngineCall}({name}Id, Encode{name}({arguments}), typeof(Remote).Assembly.Location)";
            string submit = isVoid ? $"{Submit}.Submit({viewName}, {engineCall}, {tokenName})" : $"{Submit}.Submit<{method.ResultType}>({viewName}, {engineCall}, {tokenName})";
            string forward = $"{method.Name}Async({viewName}{(arguments.Length == 0 ? string.Empty : ", " + arguments)}).Get()";
            foreach (var (view, result) in new[] { ("DirectView", method.ResultArrayType), ("EngineView", method.ResultType) })
            {
                string on = view == "DirectView" ? $"every target of <paramref name=\"{viewName}\"/>, one result per target in target order" : $"the engine of <paramref name=\"{viewName}\"/>";
                string returnType = isVoid ? "global::Parallax.AsyncResult" : $"global::Parallax.AsyncResult<{result}>";
                w.Line($"/// <summary>Runs <see cref=\"{Xml(cref)}\"/> on {on}, without waiting.</summary>");
                WriteHelperParameters(w, viewName, method);
                w.Line($"/// <param name=\"{tokenName}\">Stops the call on the engines: dropped where it has not started, signalled through Engine.CancellationToken where it runs.</param>");
                w.Line("/// <returns>An awaitable result.</returns>");
                w.Line($"{method.Accessibility} static {returnType} {method.Name}Async(global::Parallax.{view} {viewName}{rest}, global::System.Threading.CancellationToken {tokenName} = default) =>");
                w.Indent().Line(submit + ";").Unindent();
                w.Line();
                w.Line($"/// <summary>Runs <see cref=\"{Xml(cref)}\"/> on {on}, and waits.</summary>");
                WriteHelperParameters(w, viewName, method);
                if (!isVoid)
                {
                    w.Line("/// <returns>The result.</returns>");
                }

                w.Line($"{method.Accessibility} static {(isVoid ? "void" : result)} {method.Name}Sync(global::Parallax.{view} {viewName}{rest}) =>");
                w.Indent().Line(forward + ";").Unindent();
                w.Line();
            }

            w.Line("/// <summary>Serializes the method's arguments.</summary>");
            WriteEncode(w, "Encode" + name, method.Parameters.ToList());
            w.Line();
            w.Line("/// <summary>Runs the method on an engine: reads the arguments, calls it, serializes the result.</summary>");
            w.OpenBlock($"private static byte[] Invoke{name}(global::System.ReadOnlyMemory<byte> __arguments)");
            WriteDecode(w, method.Parameters.ToList());
            string invoke = $"{method.ContainingType}.{method.Name}({arguments})";
            if (isVoid)
            {
                w.Line(invoke + ";");
                w.Line("return global::System.Array.Empty<byte>();");
            }
            else
            {
                w.Line($"return {Serializer}.Serialize<{method.ResultType}>({invoke});");
            }

            w.CloseBlock();
            w.Line();
            w.Line($"/// <summary>Adds <see cref=\"Invoke{name}\"/> to the engines' invoker table when an engine loads this assembly.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
            w.Line($"internal static void Register{name}() => global::Parallax.CompilerServices.EngineDispatch.Register({name}Id, Invoke{name});");
            w.CloseBlock();

            method.Hierarchy.Close(w);
            return w.ToString();
        }

        // ---------------------------------------------------------------- codecs

        private static void WriteEncode(SourceWriter w, string name, List<ValueSpec> values)
        {
            string signature = $"internal static byte[] {name}({Parameters(values)})";
            if (values.Count == 0)
            {
                w.Line(signature + " => global::System.Array.Empty<byte>();");
                return;
            }

            string type = Compose(values.Select(v => v.Type).ToList());
            string value = Compose(values.Select(v => v.Name).ToList());
            w.Line($"{signature} => {Serializer}.Serialize<{type}>({value});");
        }

        private static void WriteDecode(SourceWriter w, List<ValueSpec> values)
        {
            if (values.Count == 0)
            {
                return;
            }

            string type = Compose(values.Select(v => v.Type).ToList());
            if (values.Count == 1)
            {
                w.Line($"var {values[0].Name} = {Serializer}.Deserialize<{type}>(__arguments.Span)!;");
                return;
            }

            w.Line($"var {Compose(values.Select(v => v.Name).ToList())} = {Serializer}.Deserialize<{type}>(__arguments.Span);");
        }

        /// <summary>One element as itself, up to seven as a tuple, more as nested tuples of at most seven.</summary>
        private static string Compose(List<string> items)
        {
            if (items.Count == 1)
            {
                return items[0];
            }

            if (items.Count <= TupleWidth)
            {
                return "(" + string.Join(", ", items) + ")";
            }

            var groups = new List<string>();
            for (int i = 0; i < items.Count; i += TupleWidth)
            {
                groups.Add(Compose(items.Skip(i).Take(TupleWidth).ToList()));
            }

            return Compose(groups);
        }

        // ---------------------------------------------------------------- text helpers

        private static void WriteBody(SourceWriter w, string signature, string body, bool dedent)
        {
            var lines = body.Replace("\r\n", "\n").Split('\n');
            if (body.StartsWith("=>", StringComparison.Ordinal) && lines.Length == 1)
            {
                w.Line(signature + " " + body);
                return;
            }

            w.Line(signature);
            if (!dedent)
            {
                // A multi-line verbatim string must keep its exact text, so the body goes out as written.
                w.Line(body);
                return;
            }

            int indent = lines.Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
            bool expression = body.StartsWith("=>", StringComparison.Ordinal);
            if (expression)
            {
                w.Indent();
            }

            w.Line(lines[0]);
            foreach (var line in lines.Skip(1))
            {
                w.Line(line.Length >= indent ? line.Substring(indent) : line.TrimStart());
            }

            if (expression)
            {
                w.Unindent();
            }
        }

        // The helpers add a view and a token beside the method's own parameters; a parameter may already use the name.
        private static string Unused(string name, EquatableArray<ValueSpec> parameters)
        {
            while (parameters.Any(p => p.Name == name))
            {
                name += "_";
            }

            return name;
        }

        // The interceptor's locals must not collide with its parameters (view, function, items...).
        private static string Captured(ValueSpec capture) => "captured_" + capture.Name.TrimStart('@');

        private static string Parameters(IEnumerable<ValueSpec> values) => string.Join(", ", values.Select(v => v.Type + " " + v.Name));

        private static string ResultOrVoid(string type) => type.Length == 0 ? "void" : type;

        private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
    }
}
