using System.Globalization;
using static Parallax.Generator.Jit.Model.NumericTypes;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// Writes a <see cref="KernelSpec"/> as C#: an entry method (argument checks, allocation, the
    /// kernel call, one core or several), the kernel, which hands the loop to the runtime's skeleton
    /// (<c>JitLoop</c>: width dispatch, unrolling, alignment, edges, non-temporal stores), and the one
    /// part that is this loop's own: a struct with its body at each vector width and as scalar code.
    /// </summary>
    internal sealed partial class Emitter
    {
        private static readonly string[] Widths = { "Vector512", "Vector256", "Vector128" };
        private const int Unroll = 4;

        /// <summary>Members of the generated body struct; a field named like one gets a suffix.</summary>
        private static readonly HashSet<string> BodyMembers = new(StringComparer.Ordinal)
        {
            "Body", "Step", "Step512", "Step256", "Step128", "Identity", "Identity512", "Identity256", "Identity128", "Finish512", "Finish256", "Finish128",
        };

        private readonly KernelSpec _spec;
        private readonly HashSet<string> _names;
        private readonly List<(LoadExpr Load, string Name)> _loads = new();
        private readonly bool _nonTemporal;
        private readonly string _length;

        /// <summary>The loop starts after 0 or reads at offsets, so the kernel gets views of the arrays.</summary>
        private readonly bool _shifted;

        /// <summary>How many iterations the loop runs: the kernel's length.</summary>
        private readonly string _count;
        private readonly string _i;
        private readonly string _store;
        private readonly string _acc;
        private readonly string _a;
        private readonly string _chunks;

        /// <summary>A Parallel entry's chunk index and the variable that walks the partial results.</summary>
        private readonly string _chunk;
        private readonly string _part;

        /// <summary>Per accumulator: the kernel's out parameter, a Parallel entry's array of partial results and a chunk's running value.</summary>
        private readonly Dictionary<string, (string Part, string Parts, string Chunk)> _partials = new(StringComparer.Ordinal);
        private readonly bool _hasReductions;
        private readonly CancellationToken _cancellationToken;

        /// <summary>The project checks overflow: the kernel and its combination of partial results are wrapped in unchecked.</summary>
        private readonly bool _unchecked;

        /// <summary>Writing the body struct, where arrays and scalars are its fields.</summary>
        private bool _inBody;

        private Emitter(KernelSpec spec, EmitOptions options, CancellationToken cancellationToken)
        {
            _unchecked = options.CheckOverflow;
            _spec = spec;
            _cancellationToken = cancellationToken;
            _names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in spec.Parameters) _names.Add(p.Name);
            foreach (var a in spec.Arrays) _names.Add(a.Name);
            foreach (var p in spec.Prologue) _names.Add(p.Name);
            foreach (var s in spec.Body) if (s is LocalStmt l) _names.Add(l.Name);
            _hasReductions = spec.Accumulators.Count > 0;
            if (spec.Nest is { } nest)
            {
                foreach (var name in nest.Outer.Select(l => l.Variable).Concat(nest.Outer.SelectMany(l => l.Locals).Select(l => l.Name)).Concat(nest.RowScalars.Select(r => r.Name)))
                {
                    _names.Add(name);
                }
            }

            // The loop variable keeps its name so the kernel reads like the loop.
            _i = spec.LoopVariables.Count > 0 ? spec.LoopVariables[spec.LoopVariables.Count - 1] : Unique("i");
            _names.Add(_i);
            _length = Unique("length");
            _shifted = spec.Start != 0 || spec.Arrays.Any(a => a.Offset != 0);
            _count = spec.Start == 0 ? _length : Unique("iterations");
            _store = Unique("store");
            _acc = Unique("acc");
            _a = Unique("a");
            _chunks = Unique("chunks");
            _chunk = Unique("chunk");
            _part = Unique("part");
            foreach (var acc in spec.Accumulators)
            {
                _partials[acc.Name] = (Unique(acc.Name + "Part"), Unique(acc.Name + "Parts"), Unique(acc.Name + "Chunk"));
            }

            // With several outputs only one could be aligned, so none stream.
            _nonTemporal = !_hasReductions && spec.Body.OfType<StoreStmt>().Count() == 1;

            // Each array the body reads is loaded once per step into a vector named like its element (x[i] -> xi).
            foreach (var load in spec.Body.SelectMany(Parser.StatementExpressions).SelectMany(e => e.Descendants).OfType<LoadExpr>().Distinct())
            {
                _loads.Add((load, Unique(load.Array + _i)));
            }
        }

        public static string Emit(KernelSpec spec, EquatableArray<CallSiteSpec> calls, EmitOptions options, CancellationToken cancellationToken) =>
            new Emitter(spec, options, cancellationToken).Emit(calls);

        private string Unique(string name)
        {
            string candidate = name;
            while (_names.Contains(candidate))
            {
                candidate += "_";
            }

            _names.Add(candidate);
            return candidate;
        }

        private ArraySpec Array_(string name) => _spec.Arrays.First(a => a.Name == name);

        private string Emit(EquatableArray<CallSiteSpec> calls)
        {
            var w = new SourceWriter();
            w.Line(SourceWriter.Header);
            if (_spec.Kind == KernelKind.Vectorize)
            {
                EmitVectorizeOverload(w);
            }

            w.OpenBlock("namespace " + KnownNames.InterceptorsNamespace);
            // Inside the namespace, so that a user's type of the same name elsewhere cannot hide these.
            w.Line("using global::System;");
            w.Line("using global::System.Runtime.CompilerServices;");
            w.Line("using global::System.Runtime.InteropServices;");
            w.Line("using global::System.Runtime.Intrinsics;");
            w.Line("using global::Parallax.CompilerServices;");
            if (_spec.Accumulators.Count > 1)
            {
                w.Line($"using Accumulators = {AccumulatorTuple(null)};");
                foreach (var width in Widths)
                {
                    w.Line($"using Accumulators{Bits(width)} = {AccumulatorTuple(width)};");
                }
            }

            w.Line();
            w.Line($"/// <summary>The SIMD kernel Parallax generated for <see cref=\"{Cref}\"/>.</summary>");
            w.Line(SourceWriter.GeneratedCodeAttribute);
            w.OpenBlock((_spec.Kind == KernelKind.Vectorize ? "internal" : "file") + " static class " + ClassName);
            if (_spec.Kind == KernelKind.Jit)
            {
                EmitEntry(w, calls);
                w.Line();
            }

            EmitKernel(w);
            w.CloseBlock();
            w.CloseBlock();
            if (_spec.Kind == KernelKind.Jit)
            {
                w.Line();
                InterceptedLocation.WriteAttributeDeclaration(w);
            }

            return w.ToString();
        }

        private string ClassName => _spec.HintName.Replace('.', '_');

        private string Cref => _spec.ContainingTypeDisplay + "." + _spec.MethodName + "(" + string.Join(", ", _spec.Parameters.Select(p => p.Type.Replace('<', '{').Replace('>', '}'))) + ")";

        // ---- [Vectorize]: the span overload in the user's partial type ----

        private void EmitVectorizeOverload(SourceWriter w)
        {
            _spec.Hierarchy.Open(w);

            var inputs = _spec.Arrays.Where(a => !a.Written).ToList();
            var output = _spec.Arrays.First(a => a.Written);
            w.Line($"/// <summary>Applies <see cref=\"{_spec.MethodName}({string.Join(", ", _spec.Parameters.Select(p => p.ElementType))})\"/> to every element: <c>{output.Name}[i] = {_spec.MethodName}({string.Join(", ", inputs.Select(a => a.Name + "[i]"))})</c>, as a SIMD kernel.</summary>");
            foreach (var input in inputs)
            {
                w.Line($"/// <param name=\"{input.Name}\">The values of the scalar parameter '{input.Name}'.</param>");
            }

            w.Line($"/// <param name=\"{output.Name}\">Receives one result per element; as long as the inputs. It may be one of the inputs (in place).</param>");
            w.Line($"/// <exception cref=\"global::System.ArgumentException\">The spans differ in length, or the destination partly overlaps an input.</exception>");
            w.Line(SourceWriter.GeneratedCodeAttribute);
            var signature = inputs.Select(a => $"global::System.ReadOnlySpan<{a.ElementType}> {a.Name}").Append($"global::System.Span<{output.ElementType}> {output.Name}");
            w.OpenBlock($"{_spec.Accessibility} static void {_spec.MethodName}({string.Join(", ", signature)})");
            EmitChecks(w);
            w.Line($"global::{KnownNames.InterceptorsNamespace}.{ClassName}.Kernel({string.Join(", ", _spec.Arrays.Select(a => a.Name))});");
            w.CloseBlock();
            _spec.Hierarchy.Close(w);

            w.Line();
        }

        // ---- the entry method that replaces the call ----

        private void EmitEntry(SourceWriter w, EquatableArray<CallSiteSpec> calls)
        {
            string rows = _spec.Nest is null ? string.Empty : " on each row of the inner loop";
            w.Line($"/// <summary>Runs in place of every call to <see cref=\"{Cref}\"/>: checks the arguments up front, then runs <see cref=\"Kernel\"/>{rows}.</summary>");
            foreach (var call in calls)
            {
                w.Line(call.Location!.Attribute);
            }

            var parameters = string.Join(", ", _spec.Parameters.Select(p => p.Modifiers + p.Type + " " + p.Name));
            w.OpenBlock($"public static {_spec.ReturnType} {_spec.MethodName}({parameters})");
            if (_spec.Nest is { } nest)
            {
                EmitNestEntry(w, nest);
            }
            else
            {
                EmitLoopEntry(w);
            }

            if (_spec.ReturnValue is { } ret)
            {
                w.Line($"return {Scalar(ret)};");
            }

            w.CloseBlock();
        }

        /// <summary>The entry of a single loop: checks, the statements before the loop, the kernel call.</summary>
        private void EmitLoopEntry(SourceWriter w)
        {
            EmitChecks(w);
            foreach (var item in _spec.Prologue)
            {
                switch (item.Kind)
                {
                    case PrologueKind.Length:
                        w.Line($"int {item.Name} = {_length};");
                        break;
                    case PrologueKind.Allocation:
                        var array = _spec.Arrays.FirstOrDefault(a => a.Name == item.Name);
                        if (array is { ReadsOriginal: false, Written: true } && _spec.Start == 0)
                        {
                            w.Line($"// Every element is written below, so the array is not zeroed first.");
                            w.Line($"{item.Type}[] {item.Name} = global::Parallax.CompilerServices.JitMemory.AllocateOutput<{item.Type}>({_length});");
                        }
                        else
                        {
                            w.Line($"{item.Type}[] {item.Name} = new {item.Type}[{_length}];");
                        }

                        break;
                    default:
                        w.Line($"{item.Type} {item.Name} = {Scalar(item.Value!)};");
                        break;
                }
            }

            EmitClampChecks(w, _count + " > 0");
            EmitUncheckedOpen(w);
            if (_spec.Parallel)
            {
                w.Line("// Parallel = true: the range splits into chunks over the cores; a small input is one chunk on this thread.");
            }

            EmitKernelCalls(w, _count, "global::Parallax.CompilerServices.JitParallel", "count", (a, start, length) => View(a, start ?? "0", length ?? _count));
            EmitUncheckedClose(w);
        }

        private void EmitChecks(SourceWriter w)
        {
            var sources = _spec.Arrays.Where(a => !a.IsLocal).GroupBy(a => a.Source).ToList();
            foreach (var source in sources)
            {
                if (source.First().Shape == ParamShape.Array)
                {
                    w.Line($"global::System.ArgumentNullException.ThrowIfNull({source.Key});");
                }
            }

            w.Line($"int {_length} = {_spec.BoundArray}.Length;");
            foreach (var source in sources)
            {
                if (source.All(a => a.Offset == 0))
                {
                    if (source.Key != _spec.BoundArray)
                    {
                        w.Line($"global::Parallax.CompilerServices.JitGuard.SameLength({_length}, {source.Key}.Length, \"{_spec.BoundArray}\", \"{source.Key}\");");
                    }
                }
                else if (source.Max(a => a.Offset) is var reach && !(source.Key == _spec.BoundArray && reach <= 0))
                {
                    w.Line($"global::Parallax.CompilerServices.JitGuard.Reaches({_length}, {_spec.Start}, {reach}, {source.Key}.Length, \"{_spec.BoundArray}\", \"{source.Key}\");");
                }
            }

            if (_spec.Start != 0)
            {
                w.Line($"int {_count} = global::System.Math.Max({_length} - {_spec.Start}, 0);");
            }

            // The kernel reads every element of a step before it stores any. Memory shared at the same
            // index is therefore fine (in place), unless the loop reads an array after writing another:
            // then the scalar loop would see the new values, and the two must be disjoint. Arrays of one
            // element size alias only as a whole; spans, views at an offset and spans of other element
            // widths over the same bytes can overlap at other indexes, which the kernel would get wrong.
            foreach (var written in _spec.Arrays.Where(a => a.Written && !a.IsLocal))
            {
                foreach (var other in _spec.Arrays.Where(a => a.Name != written.Name && !a.IsLocal))
                {
                    var pair = _spec.ReadsAfterWrites.FirstOrDefault(r => r.Written == written.Source && r.Read == other.Source || r.Written == other.Source && r.Read == written.Source);
                    bool bothArrays = written.Shape == ParamShape.Array && other.Shape == ParamShape.Array && other.Offset == 0;
                    // Two arrays are one object or disjoint, and never one object with elements of two sizes.
                    if (bothArrays && (pair is null || Size(written.ElementType) != Size(other.ElementType)) || other.Written && string.CompareOrdinal(other.Name, written.Name) < 0)
                    {
                        continue;
                    }

                    // Disjoint names the array written first, then the one read after it.
                    var (first, second) = pair is null || pair.Written == written.Source ? (written, other) : (other, written);
                    w.Line($"global::Parallax.CompilerServices.JitGuard.{(pair is null ? "SameOrDisjoint" : "Disjoint")}<{first.ElementType}, {second.ElementType}>({View(first, "0", _count)}, {View(second, "0", _count)}, \"{first.Source}\", \"{second.Source}\");");
                }
            }
        }

        /// <summary>
        /// What the kernel gets for <paramref name="a"/>: the array itself, or, when the loop starts later
        /// or reads at an offset, the view at start + offset + <paramref name="from"/>. Clamping the start
        /// only matters when nothing runs (the range checks have passed otherwise).
        /// </summary>
        private string View(ArraySpec a, string from, string count)
        {
            if (!_shifted && from == "0")
            {
                return a.Name;
            }

            int shift = _spec.Start + a.Offset;
            string start = from == "0" ? shift.ToString(CultureInfo.InvariantCulture) : shift == 0 ? from : $"{shift} + {from}";
            if (_shifted)
            {
                start = $"global::System.Math.Min({a.Source}.Length, {start})";
            }

            return $"{a.Source}.{(a.Shape == ParamShape.Array ? "AsSpan" : "Slice")}({start}, {count})";
        }

        /// <summary>Each Clamp's bounds checked once up front, when <paramref name="runs"/> (the loop runs at all).</summary>
        private void EmitClampChecks(SourceWriter w, string runs)
        {
            var seen = new HashSet<Expr>();
            foreach (var e in _spec.Body.SelectMany(Parser.StatementExpressions).SelectMany(e => e.Descendants))
            {
                if (e is CallExpr { Function: "Clamp" } clamp && seen.Add(clamp))
                {
                    w.Line($"// Math.Clamp throws when min > max; the scalar loop would on its first iteration.");
                    w.Line($"if ({runs}) _ = global::System.Math.Clamp({Scalar(clamp.Arguments[1])}, {Scalar(clamp.Arguments[1])}, {Scalar(clamp.Arguments[2])});");
                }
            }
        }

        /// <summary>
        /// The kernel over <paramref name="count"/> elements: one call, or with Parallel one per chunk through
        /// <paramref name="parallel"/> (JitParallel), whose partial results combine after. <paramref name="array"/>
        /// is an array's argument for a chunk's start and length (both null: the whole run).
        /// </summary>
        private void EmitKernelCalls(SourceWriter w, string count, string parallel, string lengthName, Func<ArraySpec, string?, string?, string> array)
        {
            string Kernel(string? start, string? length, Func<AccumulatorSpec, string> output) =>
                $"Kernel({string.Join(", ", _spec.Arrays.Select(a => array(a, start, length)).Concat(_spec.LoopScalars).Concat(_spec.Accumulators.Select(output)))})";

            if (!_spec.Parallel)
            {
                w.Line(Kernel(null, null, acc => "out var " + Part(acc)) + ";");
                foreach (var acc in _spec.Accumulators)
                {
                    w.Line(Reduce(acc, Part(acc)) + ";");
                }

                return;
            }

            w.Line($"int {_chunks} = {parallel}.ChunkCount({count});");
            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"var {Parts(acc)} = new {acc.Type}[{_chunks}];");
            }

            // The lambda's names are the entry's own: a parameter of the user's named start would otherwise mean the chunk's start.
            string start = Unique("start"), length = Unique(lengthName);
            w.Line($"{parallel}.For({count}, {_chunks}, ({_chunk}, {start}, {length}) =>");
            w.Indent();
            w.Line(Kernel(start, length, acc => "out " + Parts(acc) + "[" + _chunk + "]") + ");");
            w.Unindent();
            EmitCombineParts(w);
        }

        private string Part(AccumulatorSpec acc) => _partials[acc.Name].Part;

        private string Parts(AccumulatorSpec acc) => _partials[acc.Name].Parts;

        private string Chunk(AccumulatorSpec acc) => _partials[acc.Name].Chunk;

        /// <summary>After a Parallel run: each accumulator takes its chunks' partial results.</summary>
        private void EmitCombineParts(SourceWriter w)
        {
            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"// Per-chunk results combine in chunk order, so a run is repeatable for a given core count.");
                w.Line($"foreach (var {_part} in {Parts(acc)}) {Reduce(acc, _part)};");
            }
        }

        /// <summary>The accumulator takes in <paramref name="value"/> (a scalar iteration's, or a partial result) by its reduction.</summary>
        private static string Reduce(AccumulatorSpec acc, string value) => acc.Kind switch
        {
            ReductionKind.Sum => $"{acc.Name} += {value}",
            ReductionKind.Product => $"{acc.Name} *= {value}",
            ReductionKind.Min => $"{acc.Name} = global::System.Math.Min({acc.Name}, {value})",
            _ => $"{acc.Name} = global::System.Math.Max({acc.Name}, {value})",
        };

        // ---- the kernel: a call into JitLoop with the loop's body ----

        private void EmitKernel(SourceWriter w)
        {
            w.Line("/// <summary>");
            w.Line($"/// The {(_spec.Kind == KernelKind.Vectorize ? "body" : "loop")} of <see cref=\"{Cref}\"/> as a SIMD kernel: <see cref=\"JitLoop\"/> runs");
            w.Line("/// <see cref=\"Body\"/> at the widest vector width the hardware has.");
            w.Line("/// <code>");
            // LoopText is normalized (Parser.LoopText): it starts at column 0 and indents by four.
            foreach (var line in _spec.LoopText.Split('\n'))
            {
                w.Line("/// " + System.Security.SecurityElement.Escape(line));
            }

            w.Line("/// </code>");
            w.Line("/// </summary>");
            var parameters = BodyParameters.Concat(_spec.Accumulators.Select(acc => "out " + acc.Type + " " + Part(acc)));
            // Fully optimized from the first call: a kernel at tier 0 would run its first, often only, call
            // many times slower (the cost Numba pays as compile time at its first call).
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            w.OpenBlock($"{(_spec.Kind == KernelKind.Vectorize ? "internal" : "private")} static void Kernel({string.Join(", ", parameters)})");
            string body = $"new Body({string.Join(", ", _spec.Arrays.Select(a => a.Name).Concat(_spec.LoopScalars).Concat(IndexFirst is { } firstIndex ? new[] { firstIndex } : Array.Empty<string>()))})";
            string length = _spec.Arrays[0].Name + ".Length";
            if (!_hasReductions)
            {
                var stores = _spec.Body.OfType<StoreStmt>().ToList();
                var output = stores.Count > 0 ? Array_(stores[0].Array) : _spec.Arrays[0];
                w.Line($"JitLoop.Map<{_spec.LaneType}, {output.ElementType}, Body>({body}, ref MemoryMarshal.GetReference({output.Name}), {length}, nonTemporal: {(_nonTemporal ? "true" : "false")});");
            }
            else
            {
                string call = $"JitLoop.Reduce<{_spec.LaneType}, Body, {AccumulatorType(null)}, {AccumulatorType("Vector128")}, {AccumulatorType("Vector256")}, {AccumulatorType("Vector512")}>({body}, {length})";
                if (_spec.Accumulators.Count == 1)
                {
                    w.Line($"{Part(_spec.Accumulators[0])} = {FromLane(_spec.Accumulators[0], call)};");
                }
                else
                {
                    w.Line($"var ({string.Join(", ", _spec.Accumulators.Select(a => a.Name))}) = {call};");
                    foreach (var acc in _spec.Accumulators)
                    {
                        w.Line($"{Part(acc)} = {FromLane(acc, acc.Name)};");
                    }
                }
            }

            w.CloseBlock();
            w.Line();
            EmitBody(w);
        }

        /// <summary>An accumulator runs in its lane type (a count over doubles in long lanes) and goes back to its own type at the end.</summary>
        private static string FromLane(AccumulatorSpec acc, string value) => acc.LaneType == acc.Type ? value : $"unchecked(({acc.Type}){value})";

        /// <summary>
        /// The accumulators as <paramref name="width"/> vectors (null: as scalars in their lane types):
        /// the type itself for one accumulator, a tuple alias declared at the top of the file for several.
        /// </summary>
        private string AccumulatorType(string? width)
        {
            if (_spec.Accumulators.Count > 1)
            {
                return "Accumulators" + (width?.Substring("Vector".Length) ?? string.Empty);
            }

            string lane = _spec.Accumulators[0].LaneType;
            return width is null ? lane : $"{width}<{lane}>";
        }

        private string AccumulatorTuple(string? width) =>
            "(" + string.Join(", ", _spec.Accumulators.Select(a => (width is null ? a.LaneType : $"global::System.Runtime.Intrinsics.{width}<{a.LaneType}>") + " " + a.Name)) + ")";

        private string ScalarType(string name) =>
            _spec.Parameters.FirstOrDefault(p => p.Name == name)?.ElementType
            ?? _spec.Prologue.FirstOrDefault(p => p.Name == name)?.Type
            ?? NestScalarType(name);

        /// <summary>An outer loop variable (int), an outer loop's local, or an element read once per row.</summary>
        private string NestScalarType(string name) =>
            _spec.Nest!.Outer.SelectMany(l => l.Locals).FirstOrDefault(l => l.Name == name)?.Type
            ?? _spec.Nest.RowScalars.FirstOrDefault(r => r.Name == name)?.Type
            ?? "int";

        /// <summary>The kernel parameter with the inner loop variable's value at the first element, when the body reads the variable.</summary>
        private string? IndexFirst => _spec.Nest?.IndexFirst;

        /// <summary>What the body struct is made from, the kernel's parameters but its outputs: the arrays, the scalars, <see cref="IndexFirst"/>.</summary>
        private IEnumerable<string> BodyParameters =>
            _spec.Arrays.Select(a => (a.Written ? "Span<" : "ReadOnlySpan<") + a.ElementType + "> " + a.Name)
                .Concat(_spec.LoopScalars.Select(s => ScalarType(s) + " " + s))
                .Concat(IndexFirst is { } first ? new[] { "int " + first } : Array.Empty<string>());

        /// <summary>The struct with the loop's body per width: the only part of the kernel that is this loop's own.</summary>
        private void EmitBody(SourceWriter w)
        {
            _inBody = true;
            string accumulators = _hasReductions ? $"<{AccumulatorType(null)}, {AccumulatorType("Vector128")}, {AccumulatorType("Vector256")}, {AccumulatorType("Vector512")}>" : string.Empty;
            string parameters = string.Join(", ", BodyParameters);
            w.Line("/// <summary>One step of the loop at each vector width, and one iteration of the scalar loop.</summary>");
            w.OpenBlock($"private readonly ref struct Body({parameters}) : {(_hasReductions ? "IJitReduceBody" + accumulators : "IJitMapBody")}");
            foreach (var a in _spec.Arrays)
            {
                w.Line($"private readonly ref {a.ElementType} {Field(a.Name)} = ref MemoryMarshal.GetReference({a.Name});");
            }

            foreach (var s in _spec.LoopScalars)
            {
                w.Line($"private readonly {ScalarType(s)} {Field(s)} = {s};");
            }

            if (IndexFirst is { } indexFirst)
            {
                w.Line($"private readonly int {Field(indexFirst)} = {indexFirst};");
            }

            if (_hasReductions)
            {
                EmitReduceMembers(w);
            }
            else
            {
                EmitMapMembers(w);
            }

            w.CloseBlock();
            _inBody = false;
        }

        private void EmitMapMembers(SourceWriter w)
        {
            foreach (var width in Widths)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                w.Line();
                // Both: a body the JIT declines to inline (a while loop's mask iterations are large) would
                // otherwise start at tier 0 and stay there for the first calls' whole run (Mandelbrot 600x400:
                // 19.7 ms warm median against 7.7 ms, and no gain from Parallel while it tiered up).
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]");
                w.Line($"public void Step{Bits(width)}<TStore>(nuint {_i}, TStore {_store})");
                w.Indent().Line("where TStore : struct, IJitStore").Unindent();
                w.Line("{").Indent();
                EmitVectorBody(w, width);
                w.CloseBlock();
            }

            w.Line();
            w.OpenBlock($"public void Step(nuint {_i})");
            EmitUncheckedOpen(w);
            EmitScalarBody(w);
            EmitUncheckedClose(w);
            w.CloseBlock();
        }

        private void EmitReduceMembers(SourceWriter w)
        {
            bool single = _spec.Accumulators.Count == 1;
            string Identity(string? width) => single
                ? IdentityOf(_spec.Accumulators[0], width)
                : "(" + string.Join(", ", _spec.Accumulators.Select(a => IdentityOf(a, width))) + ")";

            w.Line();
            w.Line($"public {AccumulatorType(null)} Identity => {Identity(null)};");
            foreach (var width in Widths)
            {
                w.Line($"public {AccumulatorType(width)} Identity{Bits(width)} => {Identity(width)};");
            }

            // One accumulator is a parameter named like it; several come in a tuple and are taken apart.
            string parameter = single ? _spec.Accumulators[0].Name : _acc;
            w.Line();
            w.OpenBlock($"public {AccumulatorType(null)} Step({AccumulatorType(null)} {parameter}, nuint {_i})");
            EmitUncheckedOpen(w);
            EmitUnpack(w);
            EmitScalarBody(w);
            w.Line($"return {Pack()};");
            EmitUncheckedClose(w);
            w.CloseBlock();
            foreach (var width in Widths)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                w.Line();
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]");
                w.OpenBlock($"public {AccumulatorType(width)} Step{Bits(width)}({AccumulatorType(width)} {parameter}, nuint {_i})");
                EmitUnpack(w);
                EmitVectorBody(w, width);
                w.Line($"return {Pack()};");
                w.CloseBlock();
            }

            w.Line();
            foreach (var width in Widths)
            {
                // Pairwise, then across lanes (JitVector): (a0 + a1) + (a2 + a3), as the four interleaved steps suggest.
                var args = Enumerable.Range(0, Unroll).Select(j => $"{AccumulatorType(width)} {_a}{j}");
                string Finish(AccumulatorSpec acc) =>
                    $"JitVector.{acc.Kind}({string.Join(", ", Enumerable.Range(0, Unroll).Select(j => _a + j.ToString(CultureInfo.InvariantCulture) + (single ? string.Empty : "." + acc.Name)))})";
                string value = single ? Finish(_spec.Accumulators[0]) : "(" + string.Join(", ", _spec.Accumulators.Select(Finish)) + ")";
                w.Line($"public {AccumulatorType(null)} Finish{Bits(width)}({string.Join(", ", args)}) => {value};");
            }
        }

        private void EmitUnpack(SourceWriter w)
        {
            if (_spec.Accumulators.Count > 1)
            {
                w.Line($"var ({string.Join(", ", _spec.Accumulators.Select(a => a.Name))}) = {_acc};");
            }
        }

        private string Pack() => _spec.Accumulators.Count == 1 ? _spec.Accumulators[0].Name : "(" + string.Join(", ", _spec.Accumulators.Select(a => a.Name)) + ")";

        private static string IdentityOf(AccumulatorSpec acc, string? width)
        {
            string identity = Literal(Identity(acc.Kind, acc.LaneType));
            return width is null ? identity : $"{width}.Create({identity})";
        }

        private static string Bits(string width) => width.Substring("Vector".Length);

        /// <summary>
        /// The project checks overflow, the loop did not (else PAR1015): the scalar code wraps like the
        /// lanes, and the entry combines partial results that way too.
        /// </summary>
        private void EmitUncheckedOpen(SourceWriter w)
        {
            if (_unchecked)
            {
                w.OpenBlock("unchecked");
            }
        }

        private void EmitUncheckedClose(SourceWriter w)
        {
            if (_unchecked)
            {
                w.CloseBlock();
            }
        }

        /// <summary>
        /// One vector step at <c>i</c>: every array the body reads is loaded first, into a vector named
        /// like its element (x[i] -> xi), so that stores, which all come at the end, never change what a
        /// later line reads. An element-wise step hands its results to the store; a reduction adds into
        /// its accumulators.
        /// </summary>
        private void EmitVectorBody(SourceWriter w, string width)
        {
            foreach (var (load, name) in _loads)
            {
                for (int p = 0; p < Parts(load.Type); p++)
                {
                    w.Line($"{width}<{load.Type}> {PartName(name, load.Type, p)} = {width}.LoadUnsafe(ref {Field(load.Array)}, {Index(_i, width, load.Type, p)});");
                }
            }

            EmitVectorStatements(w, width, _spec.Body);
        }

        private void EmitVectorStatements(SourceWriter w, string width, EquatableArray<LoopStmt> statements)
        {
            foreach (var s in statements)
            {
                if (s is WhileStmt or BreakStmt or ContinueStmt)
                {
                    EmitVectorLoopStatement(w, width, s);
                    continue;
                }

                string type = s is LocalStmt local ? local.Type : s is StoreStmt store ? store.Value.Type : _spec.Accumulators.First(a => a.Name == ((ReduceStmt)s).Accumulator).LaneType;
                for (int p = 0; p < Parts(type); p++)
                {
                    EmitVectorStatement(w, width, s, p);
                }
            }
        }

        private void EmitVectorStatement(SourceWriter w, string width, LoopStmt s, int p)
        {
            switch (s)
            {
                case LocalStmt l:
                    string local = PartName(l.Name, l.Type, p);
                    w.Line(l.Declare ? $"{width}<{l.Type}> {local} = {Bare(Vector(l.Value, width, p))};" : $"{local} = {Bare(Vector(l.Value, width, p))};");
                    break;
                case StoreStmt st when _hasReductions:
                    // A loop with reductions has no edge vectors: its remainder runs as scalar code.
                    w.Line($"{width}.StoreUnsafe({Bare(Vector(st.Value, width, p))}, ref {Field(st.Array)}, {Index(_i, width, st.Value.Type, p)});");
                    break;
                case StoreStmt st:
                    w.Line($"{_store}.Store({Bare(Vector(st.Value, width, p))}, ref {Field(st.Array)}, {Index(_i, width, st.Value.Type, p)});");
                    break;
                case ReduceStmt r:
                    var acc = _spec.Accumulators.First(a => a.Name == r.Accumulator);
                    string v = acc.Name;
                    if (acc.Kind == ReductionKind.Sum && _spec.FastMath && IsFloat(acc.LaneType) && r.Value is BinaryExpr { Op: "*" } product)
                    {
                        // FastMath: a multiply-add rounds once, as TensorPrimitives.Dot does.
                        w.Line($"{v} = {width}.FusedMultiplyAdd({Vector(product.Left, width, p)}, {Vector(product.Right, width, p)}, {v});");
                    }
                    else
                    {
                        w.Line(acc.Kind switch
                        {
                            ReductionKind.Sum => $"{v} += {Bare(Vector(r.Value, width, p))};",
                            ReductionKind.Product => $"{v} *= {Bare(Vector(r.Value, width, p))};",
                            ReductionKind.Min => $"{v} = {width}.Min({v}, {Vector(r.Value, width, p)});",
                            _ => $"{v} = {width}.Max({v}, {Vector(r.Value, width, p)});",
                        });
                    }

                    break;
            }
        }

        /// <summary>One iteration of the scalar loop; a store whose array another store reads waits until all are computed.</summary>
        private void EmitScalarBody(SourceWriter w)
        {
            var stores = _spec.Body.OfType<StoreStmt>().ToList();
            bool deferStores = stores.Count > 1 && stores.Any(st => Array_(st.Array).ReadsOriginal);
            var values = deferStores ? stores.ToDictionary(st => st.Array, st => Unique(st.Array + "Value")) : new Dictionary<string, string>();
            EmitScalarStatements(w, _spec.Body, deferStores, values);
            foreach (var st in deferStores ? stores : new List<StoreStmt>())
            {
                w.Line($"{Element(st.Array)} = {values[st.Array]};");
            }
        }

        private void EmitScalarStatements(SourceWriter w, EquatableArray<LoopStmt> statements, bool deferStores, Dictionary<string, string> values)
        {
            foreach (var s in statements)
            {
                switch (s)
                {
                    case WhileStmt or BreakStmt or ContinueStmt:
                        EmitScalarLoopStatement(w, s, deferStores, values);
                        break;
                    case StoreStmt st when deferStores:
                        w.Line($"{st.Value.Type} {values[st.Array]} = {Bare(Scalar(st.Value))};");
                        break;
                    case LocalStmt l:
                        w.Line(l.Declare ? $"{l.Type} {l.Name} = {Bare(Scalar(l.Value))};" : $"{l.Name} = {Bare(Scalar(l.Value))};");
                        break;
                    case StoreStmt st:
                        w.Line($"{Element(st.Array)} = {Bare(Scalar(st.Value))};");
                        break;
                    case ReduceStmt r:
                        w.Line(Reduce(_spec.Accumulators.First(a => a.Name == r.Accumulator), Bare(Scalar(r.Value))) + ";");
                        break;
                }
            }
        }

        /// <summary>Element i of an array in the body, as an assignable reference.</summary>
        private string Element(string array) => $"Unsafe.Add(ref {Field(array)}, {_i})";

        /// <summary>The body's field for an array or scalar: its own name, unless that is one of the body's members.</summary>
        private static string Field(string name) => BodyMembers.Contains(name) ? name + "_" : name;
    }
}
