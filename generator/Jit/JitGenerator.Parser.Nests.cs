using System.Globalization;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// Nested counted loops over rectangular arrays (<c>for i … for j … a[i + c, j + d]</c>): the
    /// innermost loop is the vector loop, read by the same code as a single loop; the outer loops,
    /// their locals and what the inner loop reads per row become a <see cref="NestSpec"/> that the
    /// entry method runs as scalar loops.
    /// </summary>
    internal sealed partial class Parser
    {
        /// <summary>What the nest being read has collected; null while reading a single loop.</summary>
        private NestState? _nest;

        private sealed class NestState
        {
            public readonly Dictionary<ISymbol, string> OuterVariables = new(SymbolEqualityComparer.Default);
            public readonly Dictionary<ISymbol, (string Name, string Type)> OuterLocals = new(SymbolEqualityComparer.Default);
            public readonly List<NestLoop> Outer = new();
            public readonly Dictionary<string, ViewSpec> Views = new(StringComparer.Ordinal);
            public readonly Dictionary<string, string> ViewNames = new(StringComparer.Ordinal);
            public readonly List<RowScalar> RowScalars = new();
            public readonly Dictionary<string, string> RowScalarNames = new(StringComparer.Ordinal);
            public NestLoop? Inner;
            public ForStatementSyntax? InnerLoop;
            public string? IndexFirst;

            /// <summary>Set while reading an outer loop's locals: element reads there are scalar reads in the entry.</summary>
            public bool InOuterLocals;
        }

        /// <summary>The loop directly in <paramref name="loop"/>'s body, if its body holds one.</summary>
        private static ForStatementSyntax? InnerLoopOf(ForStatementSyntax loop) =>
            Statements(loop.Statement).OfType<ForStatementSyntax>().FirstOrDefault();

        private static List<StatementSyntax> Statements(StatementSyntax body) =>
            body is BlockSyntax block ? block.Statements.ToList() : new List<StatementSyntax> { body };

        /// <summary>Reads a nest from its outermost loop down; false (with diagnostics) when its shape is not one.</summary>
        private bool ParseNest(ForStatementSyntax outermost)
        {
            _nest = new NestState();
            var current = outermost;
            while (true)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (NestHeader(current) is not { } header)
                {
                    return false;
                }

                var body = Statements(current.Statement);
                int innerIndex = body.FindIndex(s => s is ForStatementSyntax);
                if (innerIndex < 0)
                {
                    _nest.Inner = new NestLoop(header.Variable.Name, header.Start, header.End, EquatableArray<PrologueItem>.Empty);
                    _nest.InnerLoop = current;
                    _loopVariable = header.Variable;
                    _loopVariableName = header.Variable.Name;
                    _usedNames.Add(header.Variable.Name);
                    return true;
                }

                // An outer loop: locals computed per iteration, then the next loop, nothing after it.
                _nest.OuterVariables[header.Variable] = header.Variable.Name;
                _usedNames.Add(header.Variable.Name);
                var locals = new List<PrologueItem>();
                _nest.InOuterLocals = true;
                for (int s = 0; s < innerIndex; s++)
                {
                    OuterLocal(body[s], locals);
                }

                _nest.InOuterLocals = false;
                for (int s = innerIndex + 1; s < body.Count; s++)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, body[s].GetFirstToken(), "a statement after the inner loop of a nest");
                }

                _nest.Outer.Add(new NestLoop(header.Variable.Name, header.Start, header.End, locals.ToEquatableArray()));
                current = (ForStatementSyntax)body[innerIndex];
            }
        }

        /// <summary><c>for (int v = start; v &lt; end; v++)</c> with bounds computed before the nest runs.</summary>
        private (ILocalSymbol Variable, Expr Start, Expr End)? NestHeader(ForStatementSyntax loop)
        {
            if (CountedLoop(loop, _ => true, _ => true, "each loop of a nest must declare 'int i = start'", "the condition must be '{0} < end'", "the increment must be '{0}++'") is not { } header)
            {
                return null;
            }

            var start = Bound(header.Start);
            var end = Bound(header.End);
            return start is null || end is null ? null : (header.Variable, start, end);
        }

        /// <summary>A loop bound: an int computed before the nest runs, the same for every outer iteration.</summary>
        private Expr? Bound(ExpressionSyntax syntax)
        {
            bool inLoop = _inLoop;
            _inLoop = false;
            var value = ParseExpression(syntax);
            _inLoop = inLoop;
            if (value is null)
            {
                return null;
            }

            if (value.Type != "int" || !value.Invariant || value.Descendants.OfType<ScalarExpr>().Any(s => _nest!.OuterVariables.ContainsValue(s.Name) || _nest.OuterLocals.Values.Any(l => l.Name == s.Name)))
            {
                Report(DiagnosticDescriptors.JitLoopShape, syntax, $"'{syntax}' must be an int the nest cannot change: parameters, lengths, locals before the loops, constants (a bound that depends on an outer loop, as in a triangular loop, is not supported)");
                return null;
            }

            return value;
        }

        /// <summary>A local an outer loop declares before its inner loop: computed per iteration in the entry method.</summary>
        private void OuterLocal(StatementSyntax statement, List<PrologueItem> locals)
        {
            if (statement is not LocalDeclarationStatementSyntax { Declaration: var declaration } || declaration.Variables.Any(v => v.Initializer is null))
            {
                Report(DiagnosticDescriptors.JitUnsupportedStatement, statement.GetFirstToken(), "a statement other than a local declaration before the inner loop of a nest");
                return;
            }

            foreach (var variable in declaration.Variables)
            {
                if (_model.GetDeclaredSymbol(variable, _cancellationToken) is not ILocalSymbol local)
                {
                    continue;
                }

                if (Keyword(local.Type) is not { } type)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedType, variable, local.Name, local.Type.ToMessageString());
                    continue;
                }

                if (ParseExpression(variable.Initializer!.Value) is not { } value)
                {
                    continue;
                }

                _usedNames.Add(local.Name);
                _nest!.OuterLocals[local] = (local.Name, type);
                locals.Add(new PrologueItem(PrologueKind.Invariant, local.Name, type, Coerce(value, type)));
            }
        }

        /// <summary>An outer loop variable or local read in the nest: a scalar of the row.</summary>
        private Expr? NestIdentifier(ISymbol symbol, IdentifierNameSyntax id)
        {
            string? name = null;
            string type = "int";
            if (_nest!.OuterVariables.TryGetValue(symbol, out var variable))
            {
                name = variable;
            }
            else if (_nest.OuterLocals.TryGetValue(symbol, out var local))
            {
                (name, type) = local;
            }
            else if (_inLoop && SymbolEqualityComparer.Default.Equals(symbol, _loopVariable))
            {
                // The inner variable as a value: lane k of a step holds the row's first index + i + k.
                _nest.IndexFirst ??= Unique(_loopVariableName + "First");
                return new IndexExpr("int", _loopVariableName);
            }

            return name is null ? null : LoopScalar(type, name);
        }

        /// <summary><paramref name="name"/>, or with a suffix (_2, _3...) when the method already uses it; taken from then on.</summary>
        private string Unique(string name)
        {
            string unique = name;
            for (int n = 2; !_usedNames.Add(unique); n++)
            {
                unique = name + "_" + n.ToString(CultureInfo.InvariantCulture);
            }

            return unique;
        }

        /// <summary>Rank and element type of an array a nest may index (a parameter or the result it allocates).</summary>
        private (int Rank, string ElementType, bool IsLocal)? NestArray(ISymbol symbol)
        {
            if (_params.TryGetValue(symbol, out var p))
            {
                return p.Shape switch
                {
                    ParamShape.Array => (1, p.ElementType, false),
                    ParamShape.Array2D => (2, p.ElementType, false),
                    ParamShape.Array3D => (3, p.ElementType, false),
                    _ => null,
                };
            }

            return _allocations.ContainsKey(symbol) && symbol is ILocalSymbol { Type: IArrayTypeSymbol array } && Keyword(array.ElementType) is { } element
                ? (array.Rank, element, true)
                : null;
        }

        /// <summary>
        /// An element access in a nest: <c>a[i + c, j + d]</c> (the last index the inner variable plus a
        /// constant, the others outer variables plus constants, or constants) is a load of a row view;
        /// an access that does not involve the inner variable (<c>w[i]</c>) is a value per row.
        /// </summary>
        private Expr? NestElementAccess(ElementAccessExpressionSyntax access, bool writing)
        {
            if (Unparenthesize(access.Expression) is not IdentifierNameSyntax owner
                || _model.GetSymbolInfo(owner, _cancellationToken).Symbol is not { } symbol
                || NestArray(symbol) is not { } array)
            {
                Report(DiagnosticDescriptors.JitUnprovableAliasing, access.Expression, access.Expression.ToString());
                return null;
            }

            string name = owner.Identifier.ValueText;
            var arguments = access.ArgumentList.Arguments;
            if (arguments.Count != array.Rank)
            {
                Report(DiagnosticDescriptors.JitUnsupportedIndex, access, access.ToString(), _loopVariableName);
                return null;
            }

            var leading = new List<LeadingIndex>();
            for (int a = 0; a < arguments.Count - 1; a++)
            {
                if (Leading(arguments[a].Expression) is not { } index)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedIndex, arguments[a], access.ToString(), _loopVariableName);
                    return null;
                }

                leading.Add(index);
            }

            var last = arguments[arguments.Count - 1].Expression;
            if (_nest!.InOuterLocals || !_inLoop || Offset(last) is null && Leading(last) is { } lastIndex)
            {
                // No inner variable in the index: one value per row (or, in an outer local, a scalar read).
                if (writing || Leading(last) is not { } fixedLast)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedIndex, arguments[arguments.Count - 1], access.ToString(), _loopVariableName);
                    return null;
                }

                if (WrittenInNest(name))
                {
                    Report(DiagnosticDescriptors.JitLoopCarriedDependency, access, access.ToString());
                    return null;
                }

                leading.Add(fixedLast);
                var element = new ElementExpr(array.ElementType, name, leading.ToEquatableArray());
                if (_nest.InOuterLocals || !_inLoop)
                {
                    return element;
                }

                string key = Key(name, leading);
                if (!_nest.RowScalarNames.TryGetValue(key, out var scalar))
                {
                    scalar = Unique(ViewName(name, leading, null, 0));
                    _nest.RowScalarNames[key] = scalar;
                    _nest.RowScalars.Add(new RowScalar(scalar, array.ElementType, name, leading.ToEquatableArray()));
                    _loopScalars.Add(scalar);
                }

                return new ScalarExpr(array.ElementType, scalar);
            }

            if (Offset(last) is not { } column)
            {
                Report(DiagnosticDescriptors.JitUnsupportedIndex, arguments[arguments.Count - 1], access.ToString(), _loopVariableName);
                return null;
            }

            // A 1-D array would be rewritten by every row; a write at an offset feeds later reads, and so would a
            // read at an offset of an array the nest writes.
            bool aligned = column == 0 && LeadsWithOuterVariables(leading);
            if (writing ? !aligned || array.Rank == 1 : !aligned && WrittenInNest(name))
            {
                Report(DiagnosticDescriptors.JitLoopCarriedDependency, access, access.ToString());
                return null;
            }

            string viewKey = Key(name, leading) + "|" + column.ToString(CultureInfo.InvariantCulture);
            if (!_nest.ViewNames.TryGetValue(viewKey, out var view))
            {
                view = aligned && !_usedNamesForViews.Contains(name) ? name : Unique(ViewName(name, leading, _loopVariableName, column));
                _usedNamesForViews.Add(view);
                _usedNames.Add(view);
                _nest.ViewNames[viewKey] = view;
                _nest.Views[view] = new ViewSpec(view, name, array.Rank, leading.ToEquatableArray(), column);
            }

            return Register(view, array.ElementType, ParamShape.Array, array.IsLocal, name, column, writing);
        }

        /// <summary>View names already given out (an array's own name goes to its unshifted view).</summary>
        private readonly HashSet<string> _usedNamesForViews = new(StringComparer.Ordinal);

        /// <summary>True when each leading index is the corresponding outer loop variable, outermost first, without offsets.</summary>
        private bool LeadsWithOuterVariables(List<LeadingIndex> leading)
        {
            var outer = _nest!.Outer.Select(l => l.Variable).ToList();
            if (leading.Count > outer.Count)
            {
                return false;
            }

            int skip = outer.Count - leading.Count;
            return leading.Select((l, k) => l.Variable == outer[skip + k] && l.Offset == 0).All(b => b);
        }

        private static string Key(string name, List<LeadingIndex> leading) =>
            name + "|" + string.Join(",", leading.Select(l => (l.Variable ?? "#") + l.Offset.ToString(CultureInfo.InvariantCulture)));

        /// <summary>A readable view name: src_im1 for src[i - 1, j], src_jp1 for src[i, j + 1], w_i for w[i].</summary>
        private static string ViewName(string array, List<LeadingIndex> leading, string? inner, int column)
        {
            static string Part(string variable, int offset) =>
                variable + (offset == 0 ? string.Empty : (offset > 0 ? "p" : "m") + Math.Abs(offset).ToString(CultureInfo.InvariantCulture));

            var parts = leading.Select(l => l.Variable is null ? "at" + l.Offset.ToString(CultureInfo.InvariantCulture).Replace("-", "m") : l.Offset != 0 || inner is null ? Part(l.Variable, l.Offset) : null)
                .Where(p => p is not null)
                .ToList();
            if (inner is not null && column != 0)
            {
                parts.Add(Part(inner, column));
            }

            return parts.Count == 0 ? array : array + "_" + string.Join("_", parts);
        }

        /// <summary>An index fixed for a row: an outer loop variable plus or minus a constant, or a constant.</summary>
        private LeadingIndex? Leading(ExpressionSyntax index)
        {
            index = Unparenthesize(index);
            if (_model.GetConstantValue(index, _cancellationToken) is { HasValue: true, Value: int constant })
            {
                return new LeadingIndex(null, constant);
            }

            string? Variable(ExpressionSyntax e) =>
                Unparenthesize(e) is IdentifierNameSyntax id && _model.GetSymbolInfo(id, _cancellationToken).Symbol is { } s && _nest!.OuterVariables.TryGetValue(s, out var v) ? v : null;
            int? Constant(ExpressionSyntax e) => _model.GetConstantValue(e, _cancellationToken) is { HasValue: true, Value: int c } ? c : null;

            if (Variable(index) is { } alone)
            {
                return new LeadingIndex(alone, 0);
            }

            if (index is BinaryExpressionSyntax binary && (binary.IsKind(SyntaxKind.AddExpression) || binary.IsKind(SyntaxKind.SubtractExpression)))
            {
                if (Variable(binary.Left) is { } left && Constant(binary.Right) is { } right)
                {
                    return new LeadingIndex(left, binary.IsKind(SyntaxKind.AddExpression) ? right : -right);
                }

                if (binary.IsKind(SyntaxKind.AddExpression) && Constant(binary.Left) is { } first && Variable(binary.Right) is { } second)
                {
                    return new LeadingIndex(second, first);
                }
            }

            return null;
        }

        /// <summary>Whether the inner loop assigns an element of <paramref name="name"/> anywhere.</summary>
        private bool WrittenInNest(string name) => _nest!.InnerLoop is { } loop && WritesElementOf(loop.Statement, name);

        private NestSpec? BuildNest()
        {
            if (_nest?.Inner is not { } inner)
            {
                return null;
            }

            var nestNames = new HashSet<string>(_nest.OuterVariables.Values.Concat(_nest.OuterLocals.Values.Select(l => l.Name)), StringComparer.Ordinal);
            bool flattenable = _nest.IndexFirst is null && _nest.RowScalars.Count == 0
                && !_loopScalars.Any(nestNames.Contains)
                && _nest.Views.Values.All(v => v.Rank == _nest.Outer.Count + 1 && v.ColumnOffset == 0 && LeadsWithOuterVariables(v.Leading.ToList()));
            return new NestSpec(
                _nest.Outer.ToEquatableArray(),
                inner,
                _arrayOrder.Where(_nest.Views.ContainsKey).Select(a => _nest.Views[a]).ToEquatableArray(),
                _nest.RowScalars.ToEquatableArray(),
                flattenable,
                _nest.IndexFirst);
        }

        /// <summary><c>a.GetLength(d)</c> of a rectangular array, before the loops: a scalar of the entry method.</summary>
        private Expr? GetLength(InvocationExpressionSyntax invocation, IMethodSymbol method)
        {
            if (invocation.Expression is not MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner }
                || _model.GetSymbolInfo(owner, _cancellationToken).Symbol is not { } symbol
                || NestArray(symbol) is not { } array
                || invocation.ArgumentList.Arguments.Count != 1
                || _model.GetConstantValue(invocation.ArgumentList.Arguments[0].Expression, _cancellationToken) is not { HasValue: true, Value: int dimension }
                || dimension < 0 || dimension >= array.Rank)
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, invocation, invocation.ToString(), "GetLength needs a rectangular array parameter or result and a constant dimension within its rank");
                return null;
            }

            if (_inLoop)
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, invocation, invocation.ToString(), "a length can only bound the loops; compute it before them");
                return null;
            }

            return new DimensionExpr(owner.Identifier.ValueText, dimension);
        }
    }
}
