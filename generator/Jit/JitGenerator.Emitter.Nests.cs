using System.Globalization;
using static Parallax.Generator.Jit.Model.NumericTypes;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>The entry method of a nest: bounds, range and alias checks, then the outer loops as scalar loops around one kernel call per row.</summary>
    internal sealed partial class Emitter
    {
        /// <summary>Elements a chunk of rows needs to be worth a thread: the 1-D kernels' minimum for a straight-line body, far fewer when each element runs a loop of its own.</summary>
        private const int RowChunkElements = 32 * 1024;

        private const int LoopingRowChunkElements = 1024;

        private void EmitNestEntry(SourceWriter w, NestSpec nest)
        {
            var arrayParameters = new HashSet<string>(_spec.Parameters.Where(p => p.Shape != ParamShape.Scalar).Select(p => p.Name));
            foreach (var source in nest.Views.Select(v => v.Source).Concat(nest.RowScalars.Select(r => r.Source)).Distinct().Where(arrayParameters.Contains))
            {
                w.Line($"global::System.ArgumentNullException.ThrowIfNull({source});");
            }

            foreach (var item in _spec.Prologue)
            {
                if (item.Kind == PrologueKind.Allocation)
                {
                    string commas = new string(',', item.Sizes.Count - 1);
                    w.Line($"{item.Type}[{commas}] {item.Name} = new {item.Type}[{string.Join(", ", item.Sizes.Select(Scalar))}];");
                }
                else
                {
                    w.Line($"{item.Type} {item.Name} = {Scalar(item.Value!)};");
                }
            }

            // The bounds are the same for every outer iteration (the parser refused any that are not).
            var loops = nest.Outer.Append(nest.Inner).ToList();
            var starts = loops.Select(l => Unique(l.Variable + "Start")).ToList();
            var ends = loops.Select(l => Unique(l.Variable + "End")).ToList();
            for (int l = 0; l < loops.Count; l++)
            {
                w.Line($"int {starts[l]} = {Scalar(loops[l].Start)}, {ends[l]} = {Scalar(loops[l].End)};");
            }

            string count = Unique("count");
            string runs = Unique("runs");
            w.Line($"int {count} = global::System.Math.Max({ends[loops.Count - 1]} - {starts[loops.Count - 1]}, 0);");
            w.Line($"bool {runs} = {count} > 0{string.Concat(Enumerable.Range(0, loops.Count - 1).Select(l => $" && {ends[l]} > {starts[l]}"))};");
            EmitNestGuards(w, nest, loops, starts, ends, runs);
            EmitClampChecks(w, runs);
            EmitUncheckedOpen(w);

            if (nest.Flattenable)
            {
                // Whole arrays, every element once: the rows are one contiguous run.
                var sources = nest.Views.Select(v => v.Source).Distinct().ToList();
                var whole = Enumerable.Range(0, loops.Count).SelectMany(l => new[] { $"{starts[l]} == 0" }.Concat(sources.Select(s => $"{ends[l]} == {s}.GetLength({l})")));
                w.OpenBlock($"if ({string.Join(" && ", whole)})");
                EmitFlatCall(w, nest, sources[0]);
                w.CloseBlock();
                w.OpenBlock("else");
                EmitRows(w, nest, loops, starts, ends, count);
                w.CloseBlock();
            }
            else
            {
                EmitRows(w, nest, loops, starts, ends, count);
            }

            EmitUncheckedClose(w);
        }

        /// <summary>
        /// Every index the loops will use, checked before anything runs (when every loop runs at all), and
        /// a written array that is also read at another index refused when it is the same array.
        /// </summary>
        private void EmitNestGuards(SourceWriter w, NestSpec nest, List<NestLoop> loops, List<string> starts, List<string> ends, string runs)
        {
            var lines = new List<string>();
            int depth = nest.Outer.Count;
            foreach (var group in nest.Views.GroupBy(v => v.Source))
            {
                var view = group.First();
                string Length(int dimension) => view.Rank == 1 ? $"{view.Source}.Length" : $"{view.Source}.GetLength({dimension.ToString(CultureInfo.InvariantCulture)})";
                for (int dimension = 0; dimension < view.Rank - 1; dimension++)
                {
                    // The lowest and the highest offset per variable bound every index in between.
                    foreach (var byVariable in group.Select(v => v.Leading[dimension]).GroupBy(index => index.Variable))
                    {
                        var extremes = new[] { byVariable.OrderBy(index => index.Offset).First(), byVariable.OrderBy(index => index.Offset).Last() };
                        foreach (var index in extremes.Distinct())
                        {
                            lines.Add(Covers(index, dimension, Length(dimension), view.Source, loops, starts, ends));
                        }
                    }
                }

                foreach (int offset in new[] { group.Min(v => v.ColumnOffset), group.Max(v => v.ColumnOffset) }.Distinct())
                {
                    lines.Add($"JitGuard.Covers({starts[depth]}, {ends[depth]}, {offset}, {Length(view.Rank - 1)}, \"{view.Source}\", {view.Rank - 1});");
                }
            }

            var written = _spec.Arrays.Where(a => a.Written).Select(a => a.Source).Distinct().ToList();
            foreach (var destination in written)
            {
                foreach (var source in nest.Views.Where(v => v.Source != destination && !_spec.Arrays.First(a => a.Name == v.Name).Written).GroupBy(v => v.Source))
                {
                    // Only an array read at another index than the one written could see the scalar loop's earlier writes.
                    bool shifted = source.Any(v => v.ColumnOffset != 0 || v.Leading.Any(l => l.Offset != 0 || l.Variable is null) || v.Rank != depth + 1);
                    if (shifted && nest.Views.First(v => v.Source == destination).Rank == source.First().Rank
                        && _spec.Arrays.First(a => a.Source == destination).ElementType == _spec.Arrays.First(a => a.Source == source.Key).ElementType)
                    {
                        lines.Add($"JitGuard.NotSame({destination}, {source.Key}, \"{destination}\", \"{source.Key}\");");
                    }
                }
            }

            if (lines.Count == 0)
            {
                return;
            }

            w.Line("// Checked up front, and only when every loop runs: the scalar loop reads nothing otherwise.");
            w.OpenBlock($"if ({runs})");
            foreach (var line in lines.Distinct())
            {
                w.Line(line);
            }

            w.CloseBlock();
        }

        private static string Covers(LeadingIndex index, int dimension, string length, string source, List<NestLoop> loops, List<string> starts, List<string> ends)
        {
            if (index.Variable is null)
            {
                return $"JitGuard.Covers({index.Offset}, {index.Offset + 1}, 0, {length}, \"{source}\", {dimension});";
            }

            int l = loops.FindIndex(x => x.Variable == index.Variable);
            return $"JitGuard.Covers({starts[l]}, {ends[l]}, {index.Offset}, {length}, \"{source}\", {dimension});";
        }

        /// <summary>One kernel call over the arrays' whole memory (or, with Parallel, per chunk of it).</summary>
        private void EmitFlatCall(SourceWriter w, NestSpec nest, string first)
        {
            string total = first + ".Length";
            if (_spec.Parallel)
            {
                total = Unique("total");
                w.Line($"int {total} = {first}.Length;");
            }

            EmitKernelCalls(w, total, "JitParallel", "elements", (a, start, length) =>
                $"JitRows.Flat({nest.Views.First(v => v.Name == a.Name).Source})" + (start is null ? string.Empty : $".Slice({start}, {length})"));
        }

        /// <summary>The outer loops as scalar loops, the kernel once per row; with Parallel the outermost loop's rows split over the cores.</summary>
        private void EmitRows(SourceWriter w, NestSpec nest, List<NestLoop> loops, List<string> starts, List<string> ends, string count)
        {
            if (!_spec.Parallel)
            {
                EmitRowLoops(w, nest, loops, starts, ends, count, 0, starts[0], ends[0], acc => acc.Name);
                return;
            }

            string rows = Unique("rows");
            string perRow = Unique("perRow");
            w.Line($"int {rows} = global::System.Math.Max({ends[0]} - {starts[0]}, 0);");
            w.Line($"long {perRow} = (long){count}{string.Concat(Enumerable.Range(1, loops.Count - 2).Select(l => $" * global::System.Math.Max({ends[l]} - {starts[l]}, 0)"))};");
            w.Line($"// Parallel = true: runs of whole rows, several per core, so rows of uneven cost even out.");
            w.Line($"int {_chunks} = JitParallelRows.ChunkCount({rows}, {perRow}, {(HasInnerLoops ? LoopingRowChunkElements : RowChunkElements)});");
            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"var {Parts(acc)} = new {acc.Type}[{_chunks}];");
            }

            string first = Unique("first");
            string rowCount = Unique("rowCount");
            w.Line($"JitParallelRows.For({rows}, {_chunks}, ({_chunk}, {first}, {rowCount}) =>");
            w.Line("{").Indent();
            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"{acc.Type} {Chunk(acc)} = {Scalar(Identity(acc.Kind, acc.Type))};");
            }

            EmitRowLoops(w, nest, loops, starts, ends, count, 0, $"{starts[0]} + {first}", $"{starts[0]} + {first} + {rowCount}", Chunk);
            foreach (var acc in _spec.Accumulators)
            {
                w.Line($"{Parts(acc)}[{_chunk}] = {Chunk(acc)};");
            }

            w.Unindent().Line("});");
            EmitCombineParts(w);
        }

        private void EmitRowLoops(SourceWriter w, NestSpec nest, List<NestLoop> loops, List<string> starts, List<string> ends, string count, int level, string from, string to, System.Func<AccumulatorSpec, string> target)
        {
            if (level == loops.Count - 1)
            {
                w.OpenBlock($"if ({count} > 0)");
                foreach (var scalar in nest.RowScalars)
                {
                    w.Line($"{scalar.Type} {scalar.Name} = {scalar.Source}[{string.Join(", ", scalar.Indices.Select(Index))}];");
                }

                var views = _spec.Arrays.Select(a => nest.Views.First(v => v.Name == a.Name)).Select(v => RowView(v, starts[level], count));
                var arguments = views.Concat(_spec.LoopScalars);
                if (nest.IndexFirst is not null)
                {
                    arguments = arguments.Append(starts[level]);
                }

                arguments = arguments.Concat(_spec.Accumulators.Select(acc => "out var " + Part(acc)));
                w.Line($"Kernel({string.Join(", ", arguments)});");
                foreach (var acc in _spec.Accumulators)
                {
                    w.Line(Reduce(acc with { Name = target(acc) }, Part(acc)) + ";");
                }

                w.CloseBlock();
                return;
            }

            var loop = loops[level];
            w.OpenBlock($"for (int {loop.Variable} = {from}; {loop.Variable} < {to}; {loop.Variable}++)");
            foreach (var local in loop.Locals)
            {
                w.Line($"{local.Type} {local.Name} = {Scalar(local.Value!)};");
            }

            EmitRowLoops(w, nest, loops, starts, ends, count, level + 1, starts[level + 1], ends[level + 1], target);
            w.CloseBlock();
        }

        private static string Index(LeadingIndex index) =>
            index.Variable is null ? index.Offset.ToString(CultureInfo.InvariantCulture)
            : index.Offset == 0 ? index.Variable
            : index.Offset > 0 ? $"{index.Variable} + {index.Offset}" : $"{index.Variable} - {-index.Offset}";

        /// <summary>The run of a row the kernel gets for <paramref name="view"/>: checked by JitRows against the array's bounds.</summary>
        private static string RowView(ViewSpec view, string start, string count)
        {
            string column = view.ColumnOffset == 0 ? start : view.ColumnOffset > 0 ? $"{start} + {view.ColumnOffset}" : $"{start} - {-view.ColumnOffset}";
            return view.Rank == 1
                ? $"{view.Source}.AsSpan({column}, {count})"
                : $"JitRows.Row({view.Source}, {string.Join(", ", view.Leading.Select(Index))}, {column}, {count})";
        }
    }
}
