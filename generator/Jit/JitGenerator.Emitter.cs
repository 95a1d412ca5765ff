using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Parallax.Generator.Common;
using Parallax.Generator.Jit.Model;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// Writes a <see cref="KernelSpec"/> as C#: an entry method (argument checks, allocation, the
    /// kernel call, one core or several) and the kernel itself in TensorPrimitives' shape: a
    /// Vector512, Vector256 or Vector128 block chosen by hardware, each with a main loop unrolled
    /// four times, then the overlapping last vector (element-wise) or a scalar remainder (reductions).
    /// </summary>
    internal sealed class Emitter
    {
        private static readonly string[] Widths = { "Vector512", "Vector256", "Vector128" };
        private const int Unroll = 4;

        private readonly KernelSpec _spec;
        private readonly HashSet<string> _names;
        private readonly Dictionary<Expr, string> _hoisted = new();
        private readonly List<(LoadExpr Load, string Name)> _loads = new();
        private readonly bool _nonTemporal;
        private readonly string _stream;
        private readonly string _pointer;
        private readonly string _result;
        private readonly string _length;

        /// <summary>The loop starts after 0 or reads at offsets, so the kernel gets views of the arrays.</summary>
        private readonly bool _shifted;

        /// <summary>How many iterations the loop runs: the kernel's length.</summary>
        private readonly string _count;
        private readonly string _step;
        private readonly string _last;
        private readonly string _k;
        private readonly string _lane;
        private readonly string _i;
        private readonly string _chunks;
        private readonly bool _hasReductions;
        private readonly CancellationToken _cancellationToken;

        /// <summary>The project checks overflow: the kernel and its combination of partial results are wrapped in unchecked.</summary>
        private readonly bool _unchecked;

        private Emitter(KernelSpec spec, EmitOptions options, CancellationToken cancellationToken)
        {
            bool allowUnsafe = options.AllowUnsafe;
            _unchecked = options.CheckOverflow;
            _spec = spec;
            _cancellationToken = cancellationToken;
            _names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in spec.Parameters) _names.Add(p.Name);
            foreach (var a in spec.Arrays) _names.Add(a.Name);
            foreach (var p in spec.Prologue) _names.Add(p.Name);
            foreach (var s in spec.Body) if (s is LocalStmt l) _names.Add(l.Name);
            _hasReductions = spec.Accumulators.Count > 0;
            _i = spec.Kind == KernelKind.Vectorize ? Unique("i") : LoopVariable(spec.LoopText);
            _names.Add(_i);
            _length = Unique("length");
            _shifted = spec.Start != 0 || spec.Arrays.Any(a => a.Offset != 0);
            _count = spec.Start == 0 ? _length : Unique("iterations");
            _step = Unique("step");
            _last = Unique("last");
            _k = Unique("k");
            _lane = Unique("lane");
            _chunks = Unique("chunks");

            // Non-temporal stores need the destination pinned (fixed), so only projects that allow
            // unsafe code get them; with several outputs only one could be aligned, so none stream.
            _nonTemporal = allowUnsafe && !_hasReductions && spec.Body.OfType<StoreStmt>().Count() == 1;
            _stream = Unique("stream");
            _pointer = spec.Body.OfType<StoreStmt>().Select(st => Unique(st.Array + "Pointer")).FirstOrDefault() ?? string.Empty;
            _result = Unique("result");

            // Each array the body reads is loaded once per block into a vector named like its
            // element (x[i] -> xi); stores all come at the end of the body, so this reads the same values.
            foreach (var load in spec.Body.SelectMany(Expressions).SelectMany(Descendants).OfType<LoadExpr>().Distinct())
            {
                _loads.Add((load, Unique(load.Array + _i)));
            }
            int n = 0;
            foreach (var s in spec.Body)
            {
                foreach (var e in Expressions(s))
                {
                    CollectHoisted(e, ref n);
                }
            }
        }

        public static string Emit(KernelSpec spec, EquatableArray<CallSiteSpec> calls, EmitOptions options, CancellationToken cancellationToken) =>
            new Emitter(spec, options, cancellationToken).Emit(calls);

        private static string LoopVariable(string loopText)
        {
            // "for (int i = 0; ...": the loop variable keeps its name so the kernel reads like the loop.
            int start = loopText.IndexOf("int ", StringComparison.Ordinal) + 4;
            int end = loopText.IndexOf('=', start);
            return start < 4 || end < 0 ? "i" : loopText.Substring(start, end - start).Trim();
        }

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

        private static IEnumerable<Expr> Expressions(LoopStmt s) => s switch
        {
            LocalStmt l => new[] { l.Value },
            StoreStmt st => new[] { st.Value },
            ReduceStmt r => new[] { r.Value },
            _ => Array.Empty<Expr>(),
        };

        /// <summary>Loop-invariant values that need a broadcast get one named vector per width block.</summary>
        private void CollectHoisted(Expr e, ref int n)
        {
            if (e.Invariant && e.Type != "bool")
            {
                if (e is not ConstExpr && !_hoisted.ContainsKey(e))
                {
                    _hoisted[e] = Unique(e is ScalarExpr s ? s.Name + "Vec" : "invariant" + (n++).ToString(CultureInfo.InvariantCulture) + "Vec");
                }

                return;
            }

            // A shift count stays a scalar: vectors shift every lane by one int.
            foreach (var child in e is BinaryExpr { Op: "<<" or ">>" or ">>>" } shift ? new[] { shift.Left } : Children(e))
            {
                CollectHoisted(child, ref n);
            }
        }

        private static IEnumerable<Expr> Children(Expr e) => Parser.Children(e);

        private ArraySpec Array_(string name) => _spec.Arrays.First(a => a.Name == name);

        private string Emit(EquatableArray<CallSiteSpec> calls)
        {
            var w = new SourceWriter();
            w.Line(SourceWriter.Header);
            w.Line("using global::System;");
            w.Line("using global::System.Runtime.CompilerServices;");
            w.Line("using global::System.Runtime.InteropServices;");
            w.Line("using global::System.Runtime.Intrinsics;");
            w.Line();
            if (_spec.Kind == KernelKind.Vectorize)
            {
                EmitVectorizeOverload(w);
            }

            w.OpenBlock("namespace " + KnownNames.InterceptorsNamespace);
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
            w.Line($"/// <summary>Runs in place of every call to <see cref=\"{Cref}\"/>: checks the arguments up front, then runs <see cref=\"Kernel\"/>.</summary>");
            foreach (var call in calls)
            {
                w.Line(call.Location.Attribute);
            }

            var parameters = string.Join(", ", _spec.Parameters.Select(p => p.Modifiers + p.Type + " " + p.Name));
            w.OpenBlock($"public static {_spec.ReturnType} {_spec.MethodName}({parameters})");
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
                            w.Line($"{item.Type}[] {item.Name} = global::Parallax.JitMemory.AllocateOutput<{item.Type}>({_length});");
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

            EmitClampChecks(w);
            if (_unchecked)
            {
                // The loop's integer arithmetic is unchecked (else PAR1015), so partial results combine that way too.
                w.OpenBlock("unchecked");
            }

            EmitKernelCall(w);
            if (_unchecked)
            {
                w.CloseBlock();
            }

            if (_spec.ReturnValue is { } ret)
            {
                w.Line($"return {Scalar(ret)};");
            }

            w.CloseBlock();
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
                        w.Line($"global::Parallax.JitGuard.SameLength({_length}, {source.Key}.Length, \"{_spec.BoundArray}\", \"{source.Key}\");");
                    }
                }
                else if (source.Max(a => a.Offset) is var reach && !(source.Key == _spec.BoundArray && reach <= 0))
                {
                    w.Line($"global::Parallax.JitGuard.Reaches({_length}, {_spec.Start}, {reach}, {source.Key}.Length, \"{_spec.BoundArray}\", \"{source.Key}\");");
                }
            }

            if (_spec.Start != 0)
            {
                w.Line($"int {_count} = global::System.Math.Max({_length} - {_spec.Start}, 0);");
            }

            // Arrays alias only as a whole (same index), which the kernel handles; spans, and views at an
            // offset, can overlap partly, which is checked on the views the kernel gets.
            foreach (var written in _spec.Arrays.Where(a => a.Written && !a.IsLocal))
            {
                foreach (var other in _spec.Arrays.Where(a => a.Name != written.Name && !a.IsLocal))
                {
                    if (written.Shape == ParamShape.Array && other.Shape == ParamShape.Array && other.Offset == 0 || other.Written && string.CompareOrdinal(other.Name, written.Name) < 0)
                    {
                        continue;
                    }

                    w.Line($"global::Parallax.JitGuard.SameOrDisjoint<{written.ElementType}, {other.ElementType}>({View(written, "0", _count)}, {View(other, "0", _count)}, \"{written.Source}\", \"{other.Source}\");");
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

        private void EmitClampChecks(SourceWriter w)
        {
            var seen = new HashSet<Expr>();
            foreach (var e in _spec.Body.SelectMany(Expressions).SelectMany(Descendants))
            {
                if (e is CallExpr { Function: "Clamp" } clamp && seen.Add(clamp))
                {
                    w.Line($"// Math.Clamp throws when min > max; the scalar loop would on its first iteration.");
                    w.Line($"if ({_count} > 0) _ = global::System.Math.Clamp({Scalar(clamp.Arguments[1])}, {Scalar(clamp.Arguments[1])}, {Scalar(clamp.Arguments[2])});");
                }
            }
        }

        private static IEnumerable<Expr> Descendants(Expr e) => new[] { e }.Concat(Children(e).SelectMany(Descendants));

        private void EmitKernelCall(SourceWriter w)
        {
            string Args(Func<ArraySpec, string> array, Func<AccumulatorSpec, string> output) =>
                string.Join(", ", _spec.Arrays.Select(array).Concat(_spec.LoopScalars).Concat(_spec.Accumulators.Select(output)));

            if (!_spec.Parallel)
            {
                w.Line($"Kernel({Args(a => View(a, "0", _count), acc => "out var " + acc.Name + "Part")});");
                foreach (var acc in _spec.Accumulators)
                {
                    w.Line(Combine(acc, acc.Name + "Part") + ";");
                }

                return;
            }

            w.Line("// Parallel = true: the range splits into chunks over the cores; a small input is one chunk on this thread.");
            w.Line($"int {_chunks} = global::Parallax.JitParallel.ChunkCount({_count});");
            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"var {acc.Name}Parts = new {acc.Type}[{_chunks}];");
            }

            w.Line($"global::Parallax.JitParallel.For({_count}, {_chunks}, (chunk, start, count) =>");
            w.Indent();
            w.Line($"Kernel({Args(a => View(a, "start", "count"), acc => "out " + acc.Name + "Parts[chunk]")}));");
            w.Unindent();
            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"// Per-chunk results combine in chunk order, so a run is repeatable for a given core count.");
                w.Line($"foreach (var part in {acc.Name}Parts) {Combine(acc, "part")};");
            }
        }

        private static string Combine(AccumulatorSpec acc, string part) => acc.Kind switch
        {
            ReductionKind.Sum => $"{acc.Name} += {part}",
            ReductionKind.Product => $"{acc.Name} *= {part}",
            ReductionKind.Min => $"{acc.Name} = global::System.Math.Min({acc.Name}, {part})",
            _ => $"{acc.Name} = global::System.Math.Max({acc.Name}, {part})",
        };

        // ---- the kernel ----

        private void EmitKernel(SourceWriter w)
        {
            w.Line("/// <summary>");
            w.Line($"/// The {(_spec.Kind == KernelKind.Vectorize ? "body" : "loop")} of <see cref=\"{Cref}\"/> as a SIMD kernel:");
            w.Line("/// <code>");
            // LoopText is normalized (Parser.LoopText): it starts at column 0 and indents by four.
            foreach (var line in _spec.LoopText.Split('\n'))
            {
                w.Line("/// " + System.Security.SecurityElement.Escape(line));
            }

            w.Line("/// </code>");
            w.Line("/// </summary>");
            var parameters = _spec.Arrays.Select(a => (a.Written ? "global::System.Span<" : "global::System.ReadOnlySpan<") + a.ElementType + "> " + a.Name)
                .Concat(_spec.LoopScalars.Select(s => ScalarType(s) + " " + s))
                .Concat(_spec.Accumulators.Select(acc => "out " + acc.Type + " " + acc.Name + "Part"));
            // Fully optimized from the first call: a kernel at tier 0 would run its first, often only, call
            // many times slower (the cost Numba pays as compile time at its first call).
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            w.OpenBlock($"{(_spec.Kind == KernelKind.Vectorize ? "internal" : "private")} static {(_nonTemporal ? "unsafe " : string.Empty)}void Kernel({string.Join(", ", parameters)})");
            if (_unchecked)
            {
                // The project checks overflow, the loop did not (else PAR1015): the scalar remainder wraps like the lanes.
                w.OpenBlock("unchecked");
            }

            w.Line($"int {_length} = {_spec.Arrays[0].Name}.Length;");
            foreach (var a in _spec.Arrays)
            {
                w.Line($"ref {a.ElementType} {a.Name}Ref = ref MemoryMarshal.GetReference({a.Name});");
            }

            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"{acc.LaneType} {acc.Name}Lane = {Parser.Identity(acc.Kind, acc.LaneType)};");
            }

            w.Line($"int {_i} = 0;");
            bool first = true;
            foreach (var width in Widths)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (first)
                {
                    w.Line();
                }

                w.OpenBlock($"{(first ? string.Empty : "else ")}if ({width}.IsHardwareAccelerated && {_length} >= {width}<{_spec.LaneType}>.Count)");
                EmitWidth(w, width);
                w.CloseBlock();
                first = false;
            }

            w.Line();
            w.Line(_hasReductions ? "// The remainder, one element at a time." : "// Shorter than one vector, or no SIMD hardware: one element at a time.");
            w.OpenBlock($"for (; {_i} < {_length}; {_i}++)");
            var stores = _spec.Body.OfType<StoreStmt>().ToList();
            bool deferStores = stores.Count > 1 && stores.Any(st => Array_(st.Array).ReadsOriginal);
            var values = deferStores ? stores.ToDictionary(st => st.Array, st => Unique(st.Array + "Value")) : new Dictionary<string, string>();
            foreach (var s in _spec.Body)
            {
                if (deferStores && s is StoreStmt st)
                {
                    // Another store reads this array's original element, so every store waits until all are computed.
                    w.Line($"{st.Value.Type} {values[st.Array]} = {Bare(Scalar(st.Value))};");
                    continue;
                }

                EmitScalarStatement(w, s);
            }

            foreach (var st in deferStores ? stores : new List<StoreStmt>())
            {
                w.Line($"{st.Array}[{_i}] = {values[st.Array]};");
            }

            w.CloseBlock();
            foreach (var acc in _spec.Accumulators)
            {
                w.Line(acc.LaneType == acc.Type
                    ? $"{acc.Name}Part = {acc.Name}Lane;"
                    : $"{acc.Name}Part = unchecked(({acc.Type}){acc.Name}Lane);");
            }

            if (_unchecked)
            {
                w.CloseBlock();
            }

            w.CloseBlock();
        }

        private string ScalarType(string name) =>
            _spec.Parameters.FirstOrDefault(p => p.Name == name)?.ElementType
            ?? _spec.Prologue.First(p => p.Name == name).Type;

        private void EmitWidth(SourceWriter w, string width)
        {
            string lane = _spec.LaneType;
            w.Line($"int {_step} = {width}<{lane}>.Count;");
            foreach (var pair in _hoisted)
            {
                w.Line($"{width}<{pair.Key.Type}> {pair.Value} = {width}.Create({Scalar(pair.Key)});");
            }

            var stores = _spec.Body.OfType<StoreStmt>().ToList();
            if (!_hasReductions)
            {
                w.Line();
                w.Line($"nuint {_last} = (nuint)({_length} - {_step});");
                EmitHeldVector(w, width, stores, "Last", _last,
                    "// The last vector is computed before anything is stored, so a call in place reads only",
                    "// original values, and it overlaps the main loop's end instead of a scalar tail.");
                EmitHeldVector(w, width, stores, "First", "0",
                    "// Likewise the first, so the main loop can start where the destination is aligned:",
                    "// an unaligned vector access may straddle two cache lines.");
                if (_nonTemporal)
                {
                    w.Line("// A large output bypasses the cache, as in TensorPrimitives: a non-temporal store does not read");
                    w.Line("// the destination line first. It needs an aligned address, so the destination is pinned.");
                    w.OpenBlock($"fixed ({stores[0].Value.Type}* {_pointer} = &{stores[0].Array}Ref)");
                }

                w.Line($"{_i} = global::Parallax.JitMemory.ElementsToAlignment(ref {stores[0].Array}Ref, {width}<byte>.Count);");
                if (_nonTemporal)
                {
                    w.Line($"bool {_stream} = {_length} >= global::Parallax.JitMemory.NonTemporalThreshold / sizeof({stores[0].Value.Type}) && (nuint)({_pointer} + {_i}) % (nuint){width}<byte>.Count == 0;");
                }
            }
            else
            {
                foreach (var acc in _spec.Accumulators)
                {
                    string init = $"{width}.Create({Parser.Identity(acc.Kind, acc.LaneType)})";
                    w.Line($"{width}<{acc.LaneType}> {string.Join(", ", Enumerable.Range(0, Unroll).Select(j => $"{acc.Name}{j} = {init}"))};");
                }
            }

            w.Line();
            w.OpenBlock($"for (; {_i} <= {_length} - {Unroll} * {_step}; {_i} += {Unroll} * {_step})");
            for (int j = 0; j < Unroll; j++)
            {
                w.Line("{").Indent();
                w.Line((j == 0 ? $"nuint {_k} = (nuint){_i};" : $"nuint {_k} = (nuint)({_i} + {(j == 1 ? string.Empty : j + " * ")}{_step});"));
                EmitVectorBody(w, width, hold: null, unrollIndex: j);
                w.CloseBlock();
            }

            w.CloseBlock();
            w.Line();
            w.OpenBlock($"for (; {_i} <= {_length} - {_step}; {_i} += {_step})");
            w.Line($"nuint {_k} = (nuint){_i};");
            EmitVectorBody(w, width, hold: null, unrollIndex: 0);
            w.CloseBlock();
            w.Line();
            if (!_hasReductions)
            {
                if (_nonTemporal)
                {
                    w.CloseBlock();
                    w.Line();
                }

                foreach (var store in stores)
                {
                    string type = store.Value.Type;
                    for (int p = 0; p < Parts(type); p++)
                    {
                        w.Line($"{PartName(store.Array + "Last", type, p)}.StoreUnsafe(ref {store.Array}Ref, {Index(_last, width, type, p)});");
                    }

                    for (int p = 0; p < Parts(type); p++)
                    {
                        w.Line(p == 0 ? $"{PartName(store.Array + "First", type, p)}.StoreUnsafe(ref {store.Array}Ref);" : $"{PartName(store.Array + "First", type, p)}.StoreUnsafe(ref {store.Array}Ref, {Index("0", width, type, p)});");
                    }
                }

                w.Line("return;");
                return;
            }

            foreach (var acc in _spec.Accumulators)
            {
                string a = acc.Name;
                w.Line($"{a}0 = {Pairwise(acc, width, $"{Pairwise(acc, width, a + "0", a + "1")}", $"{Pairwise(acc, width, a + "2", a + "3")}")};");
                switch (acc.Kind)
                {
                    case ReductionKind.Sum:
                        w.Line($"{a}Lane = {width}.Sum({a}0);");
                        break;
                    default:
                        w.OpenBlock($"for (int {_lane} = 0; {_lane} < {(acc.LaneType == _spec.LaneType ? _step : $"{width}<{acc.LaneType}>.Count")}; {_lane}++)");
                        w.Line(ScalarReduce(acc, $"{a}0.GetElement({_lane})") + ";");
                        w.CloseBlock();
                        break;
                }
            }
        }

        private static string Pairwise(AccumulatorSpec acc, string width, string left, string right) => acc.Kind switch
        {
            ReductionKind.Sum => $"({left} + {right})",
            ReductionKind.Product => $"({left} * {right})",
            ReductionKind.Min => $"{width}.Min({left}, {right})",
            _ => $"{width}.Max({left}, {right})",
        };

        private string ScalarReduce(AccumulatorSpec acc, string value) => acc.Kind switch
        {
            ReductionKind.Sum => $"{acc.Name}Lane += {value}",
            ReductionKind.Product => $"{acc.Name}Lane *= {value}",
            ReductionKind.Min => $"{acc.Name}Lane = global::System.Math.Min({acc.Name}Lane, {value})",
            _ => $"{acc.Name}Lane = global::System.Math.Max({acc.Name}Lane, {value})",
        };

        private void EmitHeldVector(SourceWriter w, string width, List<StoreStmt> stores, string hold, string index, params string[] comment)
        {
            foreach (var line in comment)
            {
                w.Line(line);
            }

            foreach (var store in stores)
            {
                for (int p = 0; p < Parts(store.Value.Type); p++)
                {
                    w.Line($"{width}<{store.Value.Type}> {PartName(store.Array + hold, store.Value.Type, p)};");
                }
            }

            w.Line("{").Indent();
            w.Line($"nuint {_k} = {index};");
            EmitVectorBody(w, width, hold, unrollIndex: 0);
            w.CloseBlock();
        }

        /// <summary>The loop body at index k; with <paramref name="hold"/>, stores go to vectors named array + hold instead.</summary>
        private void EmitVectorBody(SourceWriter w, string width, string? hold, int unrollIndex)
        {
            foreach (var (load, name) in _loads)
            {
                for (int p = 0; p < Parts(load.Type); p++)
                {
                    w.Line($"{width}<{load.Type}> {PartName(name, load.Type, p)} = {width}.LoadUnsafe(ref {load.Array}Ref, {Index(_k, width, load.Type, p)});");
                }
            }

            foreach (var s in _spec.Body)
            {
                string type = s is LocalStmt local ? local.Type : s is StoreStmt store ? store.Value.Type : _spec.Accumulators.First(a => a.Name == ((ReduceStmt)s).Accumulator).LaneType;
                for (int p = 0; p < Parts(type); p++)
                {
                    EmitVectorStatement(w, width, hold, unrollIndex, s, p);
                }
            }
        }

        private void EmitVectorStatement(SourceWriter w, string width, string? hold, int unrollIndex, LoopStmt s, int p)
        {
            switch (s)
            {
                case LocalStmt l:
                    string local = PartName(l.Name, l.Type, p);
                    w.Line(l.Declare ? $"{width}<{l.Type}> {local} = {Bare(Vector(l.Value, width, p))};" : $"{local} = {Bare(Vector(l.Value, width, p))};");
                    break;
                case StoreStmt st when hold is null && _nonTemporal:
                    string index = Index(_k, width, st.Value.Type, p);
                    string result = PartName(_result, st.Value.Type, p);
                    w.Line($"{width}<{st.Value.Type}> {result} = {Bare(Vector(st.Value, width, p))};");
                    w.Line($"if ({_stream}) {width}.StoreAlignedNonTemporal({result}, {_pointer} + {(index.Contains(" ") ? "(" + index + ")" : index)}); else {width}.StoreUnsafe({result}, ref {st.Array}Ref, {index});");
                    break;
                case StoreStmt st:
                    w.Line(hold is not null ? $"{PartName(st.Array + hold, st.Value.Type, p)} = {Bare(Vector(st.Value, width, p))};" : $"{width}.StoreUnsafe({Bare(Vector(st.Value, width, p))}, ref {st.Array}Ref, {Index(_k, width, st.Value.Type, p)});");
                    break;
                case ReduceStmt r:
                    var acc = _spec.Accumulators.First(a => a.Name == r.Accumulator);
                    string v = acc.Name + unrollIndex.ToString(CultureInfo.InvariantCulture);
                    if (acc.Kind == ReductionKind.Sum && _spec.FastMath && Parser.IsFloat(acc.LaneType) && r.Value is BinaryExpr { Op: "*" } product)
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

        /// <summary>
        /// How many vectors a value of <paramref name="type"/> takes per step: the kernel steps by one
        /// vector of its narrowest type, so a double in a float kernel is two vectors, a long in a byte kernel eight.
        /// </summary>
        private int Parts(string type) => type == "bool" ? 1 : Math.Max(1, Parser.Size(type) / Parser.Size(_spec.LaneType));

        private string PartName(string name, string type, int p) => Parts(type) == 1 ? name : name + "_p" + p.ToString(CultureInfo.InvariantCulture);

        /// <summary>The element index of part <paramref name="p"/> of a vector of <paramref name="type"/> at <paramref name="k"/>.</summary>
        private static string Index(string k, string width, string type, int p)
        {
            if (p == 0)
            {
                return k;
            }

            string offset = (p == 1 ? string.Empty : p.ToString(CultureInfo.InvariantCulture) + " * ") + $"(nuint){width}<{type}>.Count";
            return k == "0" ? offset : k + " + " + offset;
        }

        private void EmitScalarStatement(SourceWriter w, LoopStmt s)
        {
            switch (s)
            {
                case LocalStmt l:
                    w.Line(l.Declare ? $"{l.Type} {l.Name} = {Bare(Scalar(l.Value))};" : $"{l.Name} = {Bare(Scalar(l.Value))};");
                    break;
                case StoreStmt st:
                    w.Line($"{st.Array}[{_i}] = {Bare(Scalar(st.Value))};");
                    break;
                case ReduceStmt r:
                    w.Line(ScalarReduce(_spec.Accumulators.First(a => a.Name == r.Accumulator), Bare(Scalar(r.Value))) + ";");
                    break;
            }
        }

        // ---- expressions ----

        /// <summary>The element type of the mask a comparison produces: its operands' type.</summary>
        private static string MaskType(Expr e) => e switch
        {
            BinaryExpr { Op: "&&" or "||" or "^", Type: "bool" } b => MaskType(b.Left),
            BinaryExpr b => b.Left.Type,
            UnaryExpr u => MaskType(u.Operand),
            _ => e.Type,
        };

        /// <summary>Part <paramref name="p"/> of a condition as a mask in lanes of <paramref name="type"/>: all ones or all zeros per lane.</summary>
        private string Mask(Expr condition, string width, string type, int p)
        {
            string from = MaskType(condition);
            if (Parser.Size(from) == Parser.Size(type))
            {
                string mask = Vector(condition, width, p);
                return from == type ? mask : $"{mask}.As<{from}, {type}>()";
            }

            // Across widths a mask is a signed integer: narrowing keeps all-ones, widening sign-extends it.
            string signedFrom = Signed(Parser.Size(from)), signedTo = Signed(Parser.Size(type));
            string resized = Resize(q => As(Vector(condition, width, q), from, signedFrom), signedFrom, signedTo, width, p);
            return As(resized, signedTo, type);
        }

        private static string Signed(int size) => size switch { 1 => "sbyte", 2 => "short", 4 => "int", _ => "long" };

        private static string As(string vector, string from, string to) => from == to ? vector : $"{vector}.As<{from}, {to}>()";

        private static string Wider(string type) => type switch
        {
            "byte" => "ushort",
            "sbyte" => "short",
            "ushort" => "uint",
            "short" => "int",
            "uint" => "ulong",
            "int" => "long",
            _ => "double",
        };

        private static string Narrower(string type) => type switch
        {
            "ushort" => "byte",
            "short" => "sbyte",
            "uint" => "ushort",
            "int" => "short",
            "ulong" => "uint",
            "long" => "int",
            _ => "float",
        };

        /// <summary>
        /// Part <paramref name="p"/> of a value converted between widths: widening takes the lower or
        /// upper half of one source vector per level (sign- or zero-extending like C#), narrowing packs
        /// two source vectors per level (wrapping integers, rounding double to float once); then a
        /// conversion at the target's width.
        /// </summary>
        private static string Resize(Func<int, string> source, string from, string to, string width, int p)
        {
            int fromSize = Parser.Size(from), toSize = Parser.Size(to);
            string type = from;
            string vector;
            if (toSize > fromSize)
            {
                int factor = toSize / fromSize, levels = factor == 2 ? 1 : factor == 4 ? 2 : 3;
                int piece = p % factor;
                vector = source(p / factor);
                for (int level = levels - 1; level >= 0; level--)
                {
                    vector = $"{width}.Widen{((piece >> level & 1) == 0 ? "Lower" : "Upper")}({vector})";
                    type = Wider(type);
                }
            }
            else
            {
                int factor = fromSize / toSize;
                var vectors = Enumerable.Range(p * factor, factor).Select(source).ToList();
                while (vectors.Count > 1)
                {
                    vectors = Enumerable.Range(0, vectors.Count / 2).Select(n => $"{width}.Narrow({vectors[2 * n]}, {vectors[2 * n + 1]})").ToList();
                    type = Narrower(type);
                }

                vector = vectors[0];
            }

            return SameWidth(vector, type, to, width);
        }

        private static string SameWidth(string vector, string from, string to, string width)
        {
            if (from == to)
            {
                return vector;
            }

            if (Parser.IsInteger(from) && Parser.IsInteger(to))
            {
                // Integers of one width differ only in how their bits are read: (uint)int, (byte)sbyte.
                return As(vector, from, to);
            }

            return to switch
            {
                "float" => $"{width}.ConvertToSingle({vector})",
                "double" => $"{width}.ConvertToDouble({vector})",
                "int" => $"{width}.ConvertToInt32({vector})",
                "uint" => $"{width}.ConvertToUInt32({vector})",
                "ulong" => $"{width}.ConvertToUInt64({vector})",
                _ => $"{width}.ConvertToInt64({vector})",
            };
        }

        private string Vector(Expr e, string width, int p)
        {
            if (_hoisted.TryGetValue(e, out var name))
            {
                return name;
            }

            switch (e)
            {
                case ConstExpr c:
                    return $"{width}.Create({c.Literal})";
                case ScalarExpr s:
                    return $"{width}.Create({s.Name})";
                case LoadExpr l:
                    return PartName(_loads.First(x => x.Load == l).Name, l.Type, p);
                case LocalExpr l:
                    return PartName(l.Name, l.Type, p);
                case UnaryExpr u:
                    return Prefix(u.Op == "-" ? "-" : "~", Vector(u.Operand, width, p));
                case BinaryExpr { Op: "&&" or "||" or "^", Type: "bool" } b:
                    return $"({Vector(b.Left, width, p)} {(b.Op == "&&" ? "&" : b.Op == "||" ? "|" : "^")} {Mask(b.Right, width, MaskType(b.Left), p)})";
                case BinaryExpr b when b.Type == "bool":
                    string l_ = Vector(b.Left, width, p), r_ = Vector(b.Right, width, p);
                    return b.Op switch
                    {
                        "<" => $"{width}.LessThan({l_}, {r_})",
                        "<=" => $"{width}.LessThanOrEqual({l_}, {r_})",
                        ">" => $"{width}.GreaterThan({l_}, {r_})",
                        ">=" => $"{width}.GreaterThanOrEqual({l_}, {r_})",
                        "==" => $"{width}.Equals({l_}, {r_})",
                        _ => $"~{width}.Equals({l_}, {r_})",
                    };
                case BinaryExpr { Op: "<<" or ">>" or ">>>" } b:
                    return $"({Vector(b.Left, width, p)} {b.Op} {Scalar(b.Right)})";
                case BinaryExpr b:
                    return $"({Vector(b.Left, width, p)} {b.Op} {Vector(b.Right, width, p)})";
                case CondExpr c:
                    return $"{width}.ConditionalSelect({Mask(c.Condition, width, c.Type, p)}, {Vector(c.WhenTrue, width, p)}, {Vector(c.WhenFalse, width, p)})";
                case CallExpr { Function: "Clamp" } c:
                    return $"global::Parallax.JitVector.Clamp({string.Join(", ", c.Arguments.Select(a => Vector(a, width, p)))})";
                case CallExpr c:
                    return $"{width}.{c.Function}({string.Join(", ", c.Arguments.Select(a => Vector(a, width, p)))})";
                case ConvertExpr c when Parser.Size(c.Operand.Type) == Parser.Size(c.Type):
                    return SameWidth(Vector(c.Operand, width, p), c.Operand.Type, c.Type, width);
                case ConvertExpr c:
                    return Resize(q => Vector(c.Operand, width, q), c.Operand.Type, c.Type, width, p);
                default:
                    throw new InvalidOperationException("unknown expression " + e);
            }
        }

        /// <summary>Drops the parentheses around a whole statement-level expression: they only matter inside another.</summary>
        private static string Bare(string expression)
        {
            if (expression.Length < 2 || expression[0] != '(' || expression[expression.Length - 1] != ')')
            {
                return expression;
            }

            int depth = 0;
            for (int c = 0; c < expression.Length - 1; c++)
            {
                depth += expression[c] == '(' ? 1 : expression[c] == ')' ? -1 : 0;
                if (depth == 0)
                {
                    return expression;
                }
            }

            return expression.Substring(1, expression.Length - 2);
        }

        private static string Prefix(string op, string operand) =>
            operand.StartsWith("-", StringComparison.Ordinal) || operand.StartsWith("~", StringComparison.Ordinal) ? $"{op}({operand})" : op + operand;

        private string Scalar(Expr e)
        {
            switch (e)
            {
                case ConstExpr c:
                    return c.Literal;
                case ScalarExpr s:
                    return s.Name;
                case LoadExpr l:
                    return $"{l.Array}[{_i}]";
                case LocalExpr l:
                    return l.Name;
                case UnaryExpr { Op: "-", Type: "ulong" } u:
                    // C# has no unary minus on ulong; 0 - x wraps the same way.
                    return $"(0UL - {Scalar(u.Operand)})";
                case UnaryExpr u when Parser.IsSmall(u.Type) || u is { Op: "-", Type: "uint" }:
                    // C# promotes the operand (to int, or a uint to long); the kernel's type wraps it back.
                    return $"(({u.Type}){Prefix(u.Op, Scalar(u.Operand))})";
                case UnaryExpr u:
                    return Prefix(u.Op, Scalar(u.Operand));
                case BinaryExpr b when Parser.IsSmall(b.Type):
                    return $"(({b.Type})({Scalar(b.Left)} {b.Op} {Scalar(b.Right)}))";
                case BinaryExpr b:
                    return $"({Scalar(b.Left)} {b.Op} {Scalar(b.Right)})";
                case CondExpr c:
                    return $"({Scalar(c.Condition)} ? {Scalar(c.WhenTrue)} : {Scalar(c.WhenFalse)})";
                case CallExpr c:
                    string math = c.Type == "float" && c.Function != "Clamp" ? "global::System.MathF" : "global::System.Math";
                    return $"{math}.{c.Function}({string.Join(", ", c.Arguments.Select(Scalar))})";
                case ConvertExpr c:
                    return $"({c.Type}){Scalar(c.Operand)}";
                default:
                    throw new InvalidOperationException("unknown expression " + e);
            }
        }
    }
}
