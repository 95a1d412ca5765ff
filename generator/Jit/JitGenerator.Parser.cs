using System.Globalization;
using Microsoft.CodeAnalysis.Operations;
using static Parallax.Generator.Jit.Model.NumericTypes;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// Turns the syntax and semantic model of an annotated method into a <see cref="KernelSpec"/>.
    /// It walks the body once, in source order, rejecting every construct the kernel model does not
    /// cover with the diagnostic that names it: the nopython rule, never a scalar fallback. This file
    /// holds the signature, the statements before the loop, the loop and its statements; expressions
    /// and types are in Parser.Expressions, overflow checks and reporting in Parser.Diagnostics.
    /// </summary>
    internal sealed partial class Parser
    {
        private static readonly HashSet<string> VectorFunctions = new(StringComparer.Ordinal)
        {
            "Abs", "Min", "Max", "Sqrt", "FusedMultiplyAdd", "Floor", "Ceiling", "Round", "Truncate", "Clamp",
            "Exp", "Log", "Sin", "Cos",
        };

        /// <summary>Functions whose vector form is not correctly rounded like Math's.</summary>
        private static readonly HashSet<string> ApproximateFunctions = new(StringComparer.Ordinal) { "Exp", "Log", "Sin", "Cos" };

        /// <summary>The semantic model of the code being read: the method's, or a helper's while it is inlined.</summary>
        private SemanticModel _model;
        private readonly IMethodSymbol _method;
        private readonly MethodDeclarationSyntax _syntax;
        private readonly CancellationToken _cancellationToken;
        private readonly List<DiagnosticInfo> _diagnostics = new();
        private readonly bool _fastMath;
        private readonly bool _parallel;

        private readonly Dictionary<ISymbol, ParamSpec> _params = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, string> _lengthLocals = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, string> _allocations = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, string> _prologueScalars = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<string, AccumulatorSpec> _accumulators = new(StringComparer.Ordinal);
        private readonly HashSet<string> _accumulatorNames = new(StringComparer.Ordinal);
        private readonly List<PrologueItem> _prologue = new();

        private readonly Dictionary<string, ArraySpec> _arrays = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _views = new(StringComparer.Ordinal);
        private readonly List<string> _arrayOrder = new();

        /// <summary>Arrays written so far, in the order of their last write: the order the scalar loop's writes land in.</summary>
        private readonly List<string> _writeOrder = new();

        /// <summary>(written, read) pairs where the loop reads an array after writing another; those two must not share memory.</summary>
        private readonly List<ReadAfterWrite> _readsAfterWrites = new();
        private readonly Dictionary<string, Expr> _current = new(StringComparer.Ordinal);
        private readonly Dictionary<ISymbol, string> _bodyLocals = new(SymbolEqualityComparer.Default);
        private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
        private readonly List<string> _loopScalars = new();
        /// <summary>The statements being read: the loop body's, or a while loop's while it is read.</summary>
        private List<LoopStmt> _body = new();

        private ISymbol? _loopVariable;
        private string _loopVariableName = "i";
        private string? _laneType;
        private string _boundArray = string.Empty;
        private int _start;
        private bool _inLoop;
        private bool _vectorize;
        private readonly HashSet<string> _carried = new(StringComparer.Ordinal);

        /// <summary>A parser of the annotated method, with the FastMath and Parallel its attribute sets ([Vectorize] has no Parallel).</summary>
        public Parser(GeneratorAttributeSyntaxContext target, CancellationToken cancellationToken)
        {
            _model = target.SemanticModel;
            _method = (IMethodSymbol)target.TargetSymbol;
            _syntax = (MethodDeclarationSyntax)target.TargetNode;
            _fastMath = NamedBool(target.Attributes[0], "FastMath");
            _parallel = NamedBool(target.Attributes[0], "Parallel");
            _cancellationToken = cancellationToken;
        }

        private static bool NamedBool(AttributeData attribute, string name) =>
            attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value is true;

        private string Name => _method.Name;

        /// <summary>Parses a [Jit] method: prologue, one counted loop, an optional return.</summary>
        public ParseResult<KernelSpec> ParseJit()
        {
            if (!CheckSignature())
            {
                return Fail();
            }

            var statements = _syntax.Body?.Statements.ToList() ?? new List<StatementSyntax>();
            int loopIndex = statements.FindIndex(s => s is ForStatementSyntax);
            if (loopIndex < 0)
            {
                Report(DiagnosticDescriptors.JitLoopShape, _syntax.Identifier.GetLocation(), "the method has no for loop at the top level of its body");
                return Fail();
            }

            var loop = (ForStatementSyntax)statements[loopIndex];
            var writtenInLoop = new HashSet<ISymbol>(_model.AnalyzeDataFlow(loop.Statement)?.WrittenInside ?? Enumerable.Empty<ISymbol>(), SymbolEqualityComparer.Default);
            if (InnerLoopOf(loop) is not null)
            {
                _nest = new NestState();
            }

            for (int s = 0; s < loopIndex; s++)
            {
                ParsePrologue(statements[s], writtenInLoop);
            }

            if (_nest is null ? !ParseLoopHeader(loop) : !ParseNest(loop))
            {
                return Fail();
            }

            var vectorLoop = _nest?.InnerLoop ?? loop;
            CheckOverflow(_nest is null ? loop.Statement : loop);
            _inLoop = true;
            ParseStatement(vectorLoop.Statement, mask: null);
            _inLoop = false;
            FinishStores();

            Expr? returnValue = null;
            for (int s = loopIndex + 1; s < statements.Count; s++)
            {
                if (s == statements.Count - 1 && statements[s] is ReturnStatementSyntax { Expression: { } ret })
                {
                    returnValue = ParseExpression(ret);
                }
                else
                {
                    Report(DiagnosticDescriptors.JitStatementOutsideLoop, statements[s], "after the loop");
                }
            }

            return Build(loop, returnValue, KernelKind.Jit);
        }

        /// <summary>Parses a [Vectorize] function: its body is the loop body, its return the stored element.</summary>
        public ParseResult<KernelSpec> ParseVectorize()
        {
            // The span overload goes into the method's type, so every type around it must be partial.
            if (HierarchyInfo.NotPartial(_syntax, Name, "Vectorize") is { } notPartial)
            {
                return ParseResult<KernelSpec>.Failure(notPartial);
            }

            if (!CheckSignature())
            {
                return Fail();
            }

            if (_method.Parameters.Length == 0 || _method.Parameters.Any(p => _params[p].Shape != ParamShape.Scalar))
            {
                Report(DiagnosticDescriptors.JitMethodShape, _syntax.Identifier.GetLocation(), "[Vectorize] needs one or more scalar parameters of a numeric type");
                return Fail();
            }

            if (Keyword(_method.ReturnType) is not { } returnType)
            {
                Report(DiagnosticDescriptors.JitUnsupportedType, _syntax.ReturnType, "the return value", _method.ReturnType.ToMessageString());
                return Fail();
            }

            CheckOverflow((SyntaxNode?)_syntax.Body ?? _syntax.ExpressionBody!);
            _vectorize = true;
            _inLoop = true;
            foreach (var p in _method.Parameters)
            {
                _arrays[p.Name] = new ArraySpec(p.Name, _params[p].ElementType, ParamShape.ReadOnlySpan, IsLocal: false, Written: false, ReadsOriginal: true, p.Name, 0);
                _arrayOrder.Add(p.Name);
            }

            _boundArray = _method.Parameters[0].Name;
            string result = "result";
            for (int n = 2; _usedNames.Contains(result); n++)
            {
                result = "result" + n.ToString(CultureInfo.InvariantCulture);
            }

            var statements = _syntax.Body?.Statements.ToList() ?? new List<StatementSyntax>();
            for (int s = 0; s < statements.Count - 1; s++)
            {
                ParseStatement(statements[s], mask: null);
            }

            var ret = _syntax.ExpressionBody?.Expression
                ?? (statements.Count > 0 && statements[statements.Count - 1] is ReturnStatementSyntax { Expression: { } last } ? last : null);
            if (ret is not null)
            {
                if (ParseExpression(ret) is { } value)
                {
                    value = Coerce(value, returnType);
                    NoteLane(returnType);
                    CheckWidth(value, ret);
                    _arrays[result] = new ArraySpec(result, returnType, ParamShape.Span, IsLocal: false, Written: true, ReadsOriginal: false, result, 0);
                    _arrayOrder.Add(result);
                    _body.Add(new StoreStmt(result, value));
                }
            }
            else
            {
                Report(DiagnosticDescriptors.JitEarlyExit, _syntax.Identifier.GetLocation(), "return");
            }

            _inLoop = false;
            return Build((SyntaxNode?)_syntax.Body ?? _syntax.ExpressionBody!, null, KernelKind.Vectorize);
        }

        private ParseResult<KernelSpec> Build(SyntaxNode loop, Expr? returnValue, KernelKind kind)
        {
            if (_diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
            {
                return Fail();
            }

            // Float sums and products reassociate in vector lanes; without FastMath the method stays
            // the exact scalar loop it already is, and says so.
            var exact = _accumulators.Values.Where(a => IsFloat(a.Type) && a.Kind is ReductionKind.Sum or ReductionKind.Product).ToList();
            if (exact.Count > 0 && !_fastMath)
            {
                foreach (var acc in exact)
                {
                    _diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.JitExactReduction,
                        AccumulatorLocation(acc.Name) ?? _syntax.Identifier.GetLocation(),
                        Name,
                        acc.Kind == ReductionKind.Sum ? "sum" : "product",
                        acc.Name));
                }

                return Fail();
            }

            if (_parallel)
            {
                foreach (var array in _arrays.Values.Where(a => a.Shape is ParamShape.Span or ParamShape.ReadOnlySpan))
                {
                    var parameter = _method.Parameters.First(p => p.Name == array.Name);
                    Report(DiagnosticDescriptors.JitParallelNeedsArrays, parameter.Locations[0], array.Name);
                }

                if (_diagnostics.Count > 0)
                {
                    return Fail();
                }
            }

            var hierarchy = HierarchyInfo.From(_method.ContainingType!);
            var key = _method.GetDocumentationCommentId() ?? _method.ToDisplayString();
            // The namespace keeps same-named types in different namespaces apart (hint and class names must be unique).
            var hint = (kind == KernelKind.Jit ? "Jit." : "Jit.Vectorize.") + hierarchy.DottedName + "." + _method.Name + (_method.ContainingType!.GetMembers(_method.Name).Length > 1 ? "_" + Math.Abs(StableHash(key)).ToString(CultureInfo.InvariantCulture) : string.Empty);

            string lane = Narrowest() ?? _laneType ?? "double";
            var spec = new KernelSpec(
                kind,
                key,
                hint,
                hierarchy,
                _method.ContainingType!.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                _method.Name,
                SyntaxFacts.GetText(_method.DeclaredAccessibility == Accessibility.Private ? Accessibility.Internal : _method.DeclaredAccessibility),
                _method.ReturnType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                _method.Parameters.Select(p => _params[p]).ToEquatableArray(),
                lane,
                _boundArray,
                _arrayOrder.Select(a => _arrays[a]).ToEquatableArray(),
                _readsAfterWrites.ToEquatableArray(),
                _prologue.ToEquatableArray(),
                _accumulators.Values.ToEquatableArray(),
                _body.Select(b => FixMaskLanes(b, lane)).ToEquatableArray(),
                _loopScalars.ToEquatableArray(),
                returnValue,
                _fastMath,
                _parallel,
                LoopText(loop),
                _nest is not null
                    ? _nest.Outer.Select(l => l.Variable).Append(_loopVariableName).ToEquatableArray()
                    : kind == KernelKind.Jit ? new[] { _loopVariableName }.ToEquatableArray() : EquatableArray<string>.Empty,
                _start,
                BuildNest());
            return new ParseResult<KernelSpec>(spec, _diagnostics.ToEquatableArray());
        }

        /// <summary>
        /// The loop as the kernel's doc comment quotes it: without comments and with normalized
        /// whitespace, so that editing either inside the loop leaves the spec equal and regenerates nothing.
        /// </summary>
        private static string LoopText(SyntaxNode loop)
        {
            var code = loop.ReplaceTrivia(
                loop.DescendantTrivia(descendIntoTrivia: true).Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia)),
                static (_, _) => default);
            return code.NormalizeWhitespace(indentation: "    ", eol: "\n").ToString();
        }

        /// <summary>
        /// The kernel steps by one vector of its narrowest per-element type; a value twice as wide takes
        /// two vectors per step, and so on.
        /// </summary>
        private string? Narrowest()
        {
            var types = _arrays.Values.Select(a => a.ElementType)
                .Concat(_accumulators.Values.Select(a => a.LaneType))
                .Concat(_body.SelectMany(StatementExpressions).SelectMany(PerElement))
                .ToList();
            return types.Count == 0 ? null : types.OrderBy(Size).First();
        }

        private static IEnumerable<string> PerElement(Expr e) =>
            e.Invariant ? Enumerable.Empty<string>() : (e.Type == "bool" ? Enumerable.Empty<string>() : new[] { e.Type }).Concat(e.Children.SelectMany(PerElement));

        private static int StableHash(string s)
        {
            unchecked
            {
                int h = (int)2166136261;
                foreach (char c in s)
                {
                    h = (h ^ c) * 16777619;
                }

                return h == int.MinValue ? 0 : h;
            }
        }

        // ---- signature ----

        private bool CheckSignature()
        {
            bool ok = true;
            if (!_method.IsStatic)
            {
                Report(DiagnosticDescriptors.JitMethodShape, _syntax.Identifier.GetLocation(), "it must be static");
                ok = false;
            }

            if (_method.IsGenericMethod || _method.ContainingType.IsGenericType)
            {
                Report(DiagnosticDescriptors.JitMethodShape, _syntax.Identifier.GetLocation(), "generic methods and methods of generic types are not supported");
                ok = false;
            }

            if (_syntax.Body is null && _syntax.ExpressionBody is null)
            {
                Report(DiagnosticDescriptors.JitMethodShape, _syntax.Identifier.GetLocation(), "it has no body");
                ok = false;
            }

            foreach (var p in _method.Parameters)
            {
                var syntax = p.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) as ParameterSyntax;
                SyntaxNode at = (SyntaxNode?)syntax?.Type ?? _syntax.Identifier.Parent!;
                if (p.RefKind is RefKind.Ref or RefKind.Out || p.IsParams)
                {
                    Report(DiagnosticDescriptors.JitMethodShape, at, $"parameter '{p.Name}' is ref, out or params");
                    ok = false;
                    continue;
                }

                var spec = ClassifyParameter(p);
                if (spec is null)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedType, at, p.Name, p.Type.ToMessageString());
                    ok = false;
                    continue;
                }

                _params[p] = spec;
                _usedNames.Add(p.Name);
            }

            return ok;
        }

        private static ParamSpec? ClassifyParameter(IParameterSymbol p)
        {
            string type = p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            string modifiers = p.RefKind == RefKind.In ? "in " : p.ScopedKind == ScopedKind.ScopedValue ? "scoped " : string.Empty;
            if (Keyword(p.Type) is { } scalar)
            {
                return new ParamSpec(p.Name, type, ParamShape.Scalar, scalar, modifiers);
            }

            if (p.Type is IArrayTypeSymbol { Rank: 1 } array && Keyword(array.ElementType) is { } element)
            {
                return new ParamSpec(p.Name, type, ParamShape.Array, element, modifiers);
            }

            if (p.Type is IArrayTypeSymbol { Rank: 2 or 3 } rectangular && Keyword(rectangular.ElementType) is { } cell)
            {
                return new ParamSpec(p.Name, type, rectangular.Rank == 2 ? ParamShape.Array2D : ParamShape.Array3D, cell, modifiers);
            }

            if (p.Type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                && named.ContainingNamespace?.ToDisplayString() == "System"
                && Keyword(named.TypeArguments[0]) is { } spanElement)
            {
                if (named.Name == "Span")
                {
                    return new ParamSpec(p.Name, type, ParamShape.Span, spanElement, modifiers);
                }

                if (named.Name == "ReadOnlySpan")
                {
                    return new ParamSpec(p.Name, type, ParamShape.ReadOnlySpan, spanElement, modifiers);
                }
            }

            return null;
        }

        // ---- before the loop ----

        private void ParsePrologue(StatementSyntax statement, HashSet<ISymbol> writtenInLoop)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (statement is not LocalDeclarationStatementSyntax { Declaration: var declaration } || declaration.Variables.Any(v => v.Initializer is null))
            {
                Report(DiagnosticDescriptors.JitStatementOutsideLoop, statement, "before the loop");
                return;
            }

            foreach (var variable in declaration.Variables)
            {
                if (_model.GetDeclaredSymbol(variable, _cancellationToken) is not ILocalSymbol local)
                {
                    continue;
                }

                _usedNames.Add(local.Name);
                var value = variable.Initializer!.Value;
                if (local.Type is IArrayTypeSymbol array)
                {
                    if (Keyword(array.ElementType) is not { } element)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedType, variable, local.Name, local.Type.ToMessageString());
                    }
                    else if (_nest is not null && array.Rank is 2 or 3 && value is ArrayCreationExpressionSyntax { Initializer: null } rectangular
                        && rectangular.Type.RankSpecifiers.Count == 1 && rectangular.Type.RankSpecifiers[0].Sizes.Count == array.Rank
                        && rectangular.Type.RankSpecifiers[0].Sizes.Select(Bound).ToList() is var sizes && sizes.All(z => z is not null))
                    {
                        _allocations[local] = local.Name;
                        _prologue.Add(new PrologueItem(PrologueKind.Allocation, local.Name, element, null, sizes.Select(z => z!).ToEquatableArray()));
                    }
                    else if (value is ArrayCreationExpressionSyntax { Initializer: null } creation
                        && creation.Type.RankSpecifiers.Count == 1 && creation.Type.RankSpecifiers[0].Sizes.Count == 1
                        && LengthSource(creation.Type.RankSpecifiers[0].Sizes[0]) is { } source)
                    {
                        _allocations[local] = source;
                        _prologue.Add(new PrologueItem(PrologueKind.Allocation, local.Name, element, null));
                    }
                    else
                    {
                        Report(DiagnosticDescriptors.JitUnprovableAliasing, variable, local.Name);
                    }

                    continue;
                }

                if (Keyword(local.Type) is not { } keyword)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedType, variable, local.Name, local.Type.ToMessageString());
                    continue;
                }

                if (keyword == "int" && _nest is null && !writtenInLoop.Contains(local) && LengthSource(value) is { } length)
                {
                    _lengthLocals[local] = length;
                    _prologue.Add(new PrologueItem(PrologueKind.Length, local.Name, "int", null));
                    continue;
                }

                if (ParseExpression(value) is not { } init)
                {
                    continue;
                }

                _prologueScalars[local] = local.Name;
                if (writtenInLoop.Contains(local))
                {
                    _accumulatorNames.Add(local.Name);
                    _prologue.Add(new PrologueItem(PrologueKind.Accumulator, local.Name, keyword, init));
                }
                else
                {
                    _prologue.Add(new PrologueItem(PrologueKind.Invariant, local.Name, keyword, init));
                }
            }
        }

        /// <summary>The array whose length <paramref name="e"/> is (a.Length or a length local), or null.</summary>
        private string? LengthSource(ExpressionSyntax e)
        {
            e = Unparenthesize(e);
            if (e is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length", Expression: IdentifierNameSyntax owner })
            {
                var symbol = _model.GetSymbolInfo(owner, _cancellationToken).Symbol;
                if (symbol is not null && (_params.TryGetValue(symbol, out var p) && p.Shape != ParamShape.Scalar || _allocations.ContainsKey(symbol)))
                {
                    return owner.Identifier.ValueText;
                }
            }

            if (e is IdentifierNameSyntax id && _model.GetSymbolInfo(id, _cancellationToken).Symbol is { } local && _lengthLocals.TryGetValue(local, out var source))
            {
                return source;
            }

            return null;
        }

        // ---- the loop ----

        private bool ParseLoopHeader(ForStatementSyntax loop)
        {
            if (CountedLoop(
                loop,
                start => _model.GetConstantValue(start, _cancellationToken) is { HasValue: true, Value: int and >= 0 },
                end => LengthSource(end) is not null,
                "it must declare 'int i = c' with a constant c >= 0",
                "the condition must be 'i < a.Length' or 'i < n' with n = a.Length",
                "the increment must be 'i++'") is not { } header)
            {
                return false;
            }

            _start = (int)_model.GetConstantValue(header.Start, _cancellationToken).Value!;
            _loopVariable = header.Variable;
            _loopVariableName = header.Variable.Name;
            _usedNames.Add(header.Variable.Name);
            _boundArray = LengthSource(header.End)!;
            _laneType = ArrayByName(_boundArray)?.ElementType;
            return true;
        }

        /// <summary>
        /// A counted loop's header, <c>for (int v = start; v &lt; end; v++)</c> (or <c>end &gt; v</c>, <c>++v</c>,
        /// <c>v += 1</c>) with <c>v</c> never assigned in the body and bounds that <paramref name="isStart"/> and
        /// <paramref name="isEnd"/> accept; else null, with PAR1002 naming the rule broken ({0} in a rule is v's name).
        /// </summary>
        private (ILocalSymbol Variable, ExpressionSyntax Start, ExpressionSyntax End)? CountedLoop(
            ForStatementSyntax loop, Func<ExpressionSyntax, bool> isStart, Func<ExpressionSyntax, bool> isEnd, string declarationRule, string conditionRule, string incrementRule)
        {
            var variable = loop.Declaration is { Variables.Count: 1 } d ? d.Variables[0] : null;
            if (variable?.Initializer?.Value is not { } start
                || _model.GetDeclaredSymbol(variable, _cancellationToken) is not ILocalSymbol index
                || index.Type.SpecialType != SpecialType.System_Int32
                || !isStart(start))
            {
                Report(DiagnosticDescriptors.JitLoopShape, (SyntaxNode?)loop.Declaration ?? loop, declarationRule);
                return null;
            }

            string Rule(string rule) => string.Format(CultureInfo.InvariantCulture, rule, index.Name);
            bool IsVariable(ExpressionSyntax e) => Unparenthesize(e) is IdentifierNameSyntax id && SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(id, _cancellationToken).Symbol, index);
            ExpressionSyntax? end = loop.Condition is BinaryExpressionSyntax c
                ? c.IsKind(SyntaxKind.LessThanExpression) && IsVariable(c.Left) ? c.Right
                    : c.IsKind(SyntaxKind.GreaterThanExpression) && IsVariable(c.Right) ? c.Left : null
                : null;
            if (end is null || !isEnd(end))
            {
                Report(DiagnosticDescriptors.JitLoopShape, (SyntaxNode?)loop.Condition ?? loop, Rule(conditionRule));
                return null;
            }

            if (!StepsByOne(loop, IsVariable))
            {
                Report(DiagnosticDescriptors.JitLoopShape, loop.Incrementors.Count > 0 ? loop.Incrementors[0] : loop, Rule(incrementRule));
                return null;
            }

            var written = _model.AnalyzeDataFlow(loop.Statement)?.WrittenInside ?? default;
            if (!written.IsDefault && written.Contains(index, SymbolEqualityComparer.Default))
            {
                Report(DiagnosticDescriptors.JitLoopShape, loop.Statement, $"'{index.Name}' is assigned in the body");
                return null;
            }

            return (index, start, end);
        }

        /// <summary>Whether the loop's only increment is <c>v++</c>, <c>++v</c> or <c>v += 1</c> of its variable.</summary>
        private bool StepsByOne(ForStatementSyntax loop, Func<ExpressionSyntax, bool> isVariable) =>
            loop.Incrementors.Count == 1 && loop.Incrementors[0] switch
            {
                PostfixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PostIncrementExpression) && isVariable(p.Operand),
                PrefixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PreIncrementExpression) && isVariable(p.Operand),
                AssignmentExpressionSyntax a => a.IsKind(SyntaxKind.AddAssignmentExpression) && isVariable(a.Left)
                    && _model.GetConstantValue(a.Right, _cancellationToken) is { HasValue: true, Value: 1 },
                _ => false,
            };

        private (string ElementType, ParamShape Shape, bool IsLocal)? ArrayByName(string name)
        {
            foreach (var p in _params.Values)
            {
                if (p.Name == name && p.Shape != ParamShape.Scalar)
                {
                    return (p.ElementType, p.Shape, false);
                }
            }

            foreach (var pair in _allocations)
            {
                if (pair.Key.Name == name)
                {
                    return (Keyword(((IArrayTypeSymbol)((ILocalSymbol)pair.Key).Type).ElementType)!, ParamShape.Array, true);
                }
            }

            return null;
        }

        private bool IsLoopVariable(ExpressionSyntax e) =>
            Unparenthesize(e) is IdentifierNameSyntax id && SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(id, _cancellationToken).Symbol, _loopVariable);

        private void ParseStatement(StatementSyntax statement, Expr? mask)
        {
            var outer = _mask;
            _mask = mask;
            try
            {
                ParseStatementCore(statement, mask);
            }
            finally
            {
                _mask = outer;
            }
        }

        /// <summary>
        /// The condition under which the code being read runs in the scalar loop (null: always): the
        /// enclosing ifs, and inside an expression the branch of ?: or the right side of &amp;&amp; and ||.
        /// </summary>
        private Expr? _mask;

        private T UnderMask<T>(Expr condition, Func<T> parse)
        {
            var outer = _mask;
            _mask = condition.Type == "bool" && !condition.Invariant ? And(outer, condition) : outer;
            try
            {
                return parse();
            }
            finally
            {
                _mask = outer;
            }
        }

        private void ParseStatementCore(StatementSyntax statement, Expr? mask)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            switch (statement)
            {
                case BlockSyntax block:
                    foreach (var s in block.Statements)
                    {
                        ParseStatement(s, mask);
                    }

                    break;
                case EmptyStatementSyntax:
                    break;
                case CheckedStatementSyntax checkedBlock:
                    // Kernels wrap; what 'checked' would throw on is PAR1015 (CheckOverflow), 'unchecked' is what they do.
                    ParseStatement(checkedBlock.Block, mask);
                    break;
                case LocalDeclarationStatementSyntax local:
                    foreach (var variable in local.Declaration.Variables)
                    {
                        DeclareLocal(variable);
                    }

                    break;
                case ExpressionStatementSyntax { Expression: var expression }:
                    ParseAssignment(expression, mask);
                    break;
                case IfStatementSyntax ifStatement:
                    if (ParseExpression(ifStatement.Condition) is not { } condition)
                    {
                        break;
                    }

                    if (condition.Type != "bool")
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, ifStatement.Condition, ifStatement.Condition.ToString(), "the condition must be a comparison");
                        break;
                    }

                    condition = HoldCondition(condition, ifStatement);
                    ParseStatement(ifStatement.Statement, And(mask, condition));
                    if (ifStatement.Else is { } elseClause)
                    {
                        ParseStatement(elseClause.Statement, And(mask, new UnaryExpr("bool", "!", condition)));
                    }

                    break;
                case WhileStatementSyntax whileLoop when _inLoop:
                    ParseWhile(whileLoop.Condition, whileLoop.Statement, isDo: false, whileLoop, mask);
                    break;
                case DoStatementSyntax doLoop when _inLoop:
                    ParseWhile(doLoop.Condition, doLoop.Statement, isDo: true, doLoop, mask);
                    break;
                case BreakStatementSyntax or ContinueStatementSyntax when _whiles.Count > 0:
                    ParseBreakOrContinue(statement, mask);
                    break;
                case BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax or ReturnStatementSyntax or YieldStatementSyntax:
                    Report(DiagnosticDescriptors.JitEarlyExit, statement, FirstToken(statement));
                    break;
                case TryStatementSyntax:
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, ((TryStatementSyntax)statement).TryKeyword, "try/catch/finally");
                    break;
                case ThrowStatementSyntax:
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, statement, "throw");
                    break;
                case ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax or CommonForEachStatementSyntax:
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, statement.GetFirstToken(), statement is ForStatementSyntax ? "a for loop inside the vectorized loop (nest loops directly: each loop's body the next loop, after locals)" : "a nested loop");
                    break;
                default:
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, statement.GetFirstToken(), $"'{FirstToken(statement)}'");
                    break;
            }
        }

        private static string FirstToken(SyntaxNode node) => node.GetFirstToken().ValueText;

        /// <summary>
        /// The scalar loop tests an if's condition once, but every masked statement of its branches reads
        /// the condition again: a local the branches write (<c>if (v &gt; 0) { v = -v; r[i] = v; }</c>) is read
        /// at its value on entry, from a local of its own declared before the if.
        /// </summary>
        private Expr HoldCondition(Expr condition, IfStatementSyntax ifStatement)
        {
            var read = condition.Descendants.OfType<LocalExpr>().GroupBy(l => l.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Type, StringComparer.Ordinal);
            if (read.Count == 0)
            {
                return condition;
            }

            var branches = ifStatement.Else is { } elseClause ? new SyntaxNode[] { ifStatement.Statement, elseClause } : new SyntaxNode[] { ifStatement.Statement };
            var held = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var node in branches.SelectMany(b => b.DescendantNodesAndSelf()))
            {
                ExpressionSyntax? target = node switch
                {
                    AssignmentExpressionSyntax assignment => assignment.Left,
                    PrefixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression) => p.Operand,
                    PostfixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.PostIncrementExpression) || p.IsKind(SyntaxKind.PostDecrementExpression) => p.Operand,
                    _ => null,
                };
                if (target is not null && _model.GetSymbolInfo(target, _cancellationToken).Symbol is { } symbol
                    && _bodyLocals.TryGetValue(symbol, out var local) && read.TryGetValue(local, out var type) && !held.ContainsKey(local))
                {
                    string name = local + "_if";
                    for (int n = 2; !_usedNames.Add(name); n++)
                    {
                        name = local + "_if" + n.ToString(CultureInfo.InvariantCulture);
                    }

                    _body.Add(new LocalStmt(name, type, Declare: true, new LocalExpr(type, local)));
                    held[local] = name;
                }
            }

            return held.Count == 0 ? condition : Rename(condition, held);
        }

        /// <summary><paramref name="e"/> with the locals in <paramref name="names"/> read under their new names.</summary>
        private static Expr Rename(Expr e, Dictionary<string, string> names) =>
            Rewrite(e, x => x is LocalExpr l && names.TryGetValue(l.Name, out var name) ? l with { Name = name } : null);

        private static Expr And(Expr? mask, Expr condition) => mask is null ? condition : new BinaryExpr("bool", "&&", mask, condition);

        private void DeclareLocal(VariableDeclaratorSyntax variable)
        {
            if (_model.GetDeclaredSymbol(variable, _cancellationToken) is not ILocalSymbol local)
            {
                return;
            }

            if (Keyword(local.Type) is not { } keyword)
            {
                Report(DiagnosticDescriptors.JitUnsupportedType, variable, local.Name, local.Type.ToMessageString());
                return;
            }

            if (variable.Initializer is null)
            {
                Report(DiagnosticDescriptors.JitUnsupportedStatement, variable, "a local without an initializer");
                return;
            }

            if (ParseExpression(variable.Initializer.Value) is not { } value)
            {
                return;
            }

            // Branches flatten into one body, so a name declared in both branches gets a suffix.
            string name = Unique(local.Name);
            _bodyLocals[local] = name;
            CheckWidth(value, variable.Initializer.Value);
            _body.Add(new LocalStmt(name, keyword, Declare: true, value));
        }

        private void ParseAssignment(ExpressionSyntax expression, Expr? mask)
        {
            ExpressionSyntax target;
            Func<Func<Expr>, Expr?> update;
            switch (expression)
            {
                case AssignmentExpressionSyntax assignment:
                    target = assignment.Left;
                    var kind = assignment.Kind();
                    if (kind == SyntaxKind.SimpleAssignmentExpression)
                    {
                        // acc = acc + e, acc = Math.Max(acc, e): the reduction forms written out.
                        if (IsAccumulator(target) is { } accName)
                        {
                            ParseExplicitReduction(accName, assignment, mask);
                            return;
                        }

                        var value = ParseExpression(assignment.Right);
                        update = _ => value;
                        break;
                    }

                    string? op = kind switch
                    {
                        SyntaxKind.AddAssignmentExpression => "+",
                        SyntaxKind.SubtractAssignmentExpression => "-",
                        SyntaxKind.MultiplyAssignmentExpression => "*",
                        SyntaxKind.DivideAssignmentExpression => "/",
                        SyntaxKind.ModuloAssignmentExpression => "%",
                        _ => null,
                    };
                    if (op is null)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, assignment, assignment.OperatorToken.Text, "no vector form for this compound assignment");
                        return;
                    }

                    if (IsAccumulator(target) is { } acc)
                    {
                        if (op is "/" or "%")
                        {
                            Report(DiagnosticDescriptors.JitLoopCarriedDependency, assignment, acc);
                            return;
                        }

                        var v = ParseExpression(assignment.Right);
                        if (v is not null)
                        {
                            AddReduction(acc, op == "*" ? ReductionKind.Product : ReductionKind.Sum, op == "-" ? Negate(v) : v, mask, assignment);
                        }

                        return;
                    }

                    var right = ParseExpression(assignment.Right);
                    if (right is not null && op is "/" or "%" && IsInteger(right.Type))
                    {
                        var targetType = _model.GetTypeInfo(target, _cancellationToken).Type is { } t ? Keyword(t) : null;
                        string? promoted = targetType is null ? null : PromotedDivision(targetType, right.Type);
                        if (promoted is null)
                        {
                            Report(DiagnosticDescriptors.JitNoVectorForm, assignment.OperatorToken, assignment.ToString(), "64-bit integer division has no exact vector form: no instruction divides integer vectors, and a double lane holds only 53 bits");
                            return;
                        }

                        var divisionMask = _mask;
                        update = old => new DivideExpr(promoted, op, Coerce(old(), promoted), Coerce(right, promoted), divisionMask);
                        break;
                    }

                    if (right is not null && op == "%")
                    {
                        Report(DiagnosticDescriptors.JitNoVectorForm, assignment.OperatorToken, assignment.ToString(), "% on float and double is exact in C# (the remainder of the rounded quotient is never computed), which no vector instruction sequence reproduces");
                        return;
                    }

                    update = old => right is null ? null : new BinaryExpr(old().Type, op, old(), Coerce(right, old().Type));
                    break;
                case PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax:
                    target = expression is PostfixUnaryExpressionSyntax post ? post.Operand : ((PrefixUnaryExpressionSyntax)expression).Operand;
                    bool up = expression.IsKind(SyntaxKind.PostIncrementExpression) || expression.IsKind(SyntaxKind.PreIncrementExpression);
                    if (!up && !expression.IsKind(SyntaxKind.PostDecrementExpression) && !expression.IsKind(SyntaxKind.PreDecrementExpression))
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, expression, expression.ToString(), "not an assignment");
                        return;
                    }

                    if (IsAccumulator(target) is { } counter)
                    {
                        var type = Keyword(_model.GetTypeInfo(target, _cancellationToken).Type!)!;
                        AddReduction(counter, ReductionKind.Sum, ConstExpr.Integer(type, up ? 1 : -1), mask, expression);
                        return;
                    }

                    update = old => new BinaryExpr(old().Type, up ? "+" : "-", old(), ConstExpr.Of(old().Type, 1));
                    break;
                default:
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, expression, expression.ToString(), "only assignments are supported as statements");
                    return;
            }

            Assign(target, update, mask);
        }

        private void Assign(ExpressionSyntax target, Func<Func<Expr>, Expr?> update, Expr? mask)
        {
            target = Unparenthesize(target);
            if (target is ElementAccessExpressionSyntax access)
            {
                if (_whiles.Count > 0)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, target.Parent!, "an array element assigned inside a while loop (assign a local there and store it after the loop)");
                    return;
                }

                if ((_nest is not null ? NestElementAccess(access, writing: true) as LoadExpr : ElementAccess(access, writing: true)) is not { } array)
                {
                    return;
                }

                Expr Old() => _current.TryGetValue(array.Array, out var forwarded) ? forwarded : ReadOriginal(array);
                if (update(Old) is not { } value)
                {
                    return;
                }

                value = Coerce(value, array.Type);
                CheckWidth(value, target.Parent!);
                _current[array.Array] = mask is null ? value : new CondExpr(array.Type, mask, value, Old());
                _writeOrder.Remove(array.Array);
                _writeOrder.Add(array.Array);
                return;
            }

            var symbol = _model.GetSymbolInfo(target, _cancellationToken).Symbol;
            if (symbol is not null && _bodyLocals.TryGetValue(symbol, out var local))
            {
                var type = Keyword(((ILocalSymbol)symbol).Type)!;
                var old = new LocalExpr(type, local);
                if (update(() => old) is not { } value)
                {
                    return;
                }

                value = Coerce(value, type);
                CheckWidth(value, target.Parent!);
                var blend = BlendMask(mask, symbol);
                _body.Add(new LocalStmt(local, type, Declare: false, blend is null ? value : new CondExpr(type, blend, value, old)));
                return;
            }

            if (symbol is not null && (_prologueScalars.ContainsKey(symbol) || _params.ContainsKey(symbol)))
            {
                if (_carried.Add(symbol.Name))
                {
                    Report(DiagnosticDescriptors.JitLoopCarriedDependency, target.Parent!, symbol.Name);
                }

                return;
            }

            Report(DiagnosticDescriptors.JitUnprovableAliasing, target, target.ToString());
        }

        private Expr ReadOriginal(LoadExpr array)
        {
            _arrays[array.Array] = _arrays[array.Array] with { ReadsOriginal = true };
            return array;
        }

        private string? IsAccumulator(ExpressionSyntax target) =>
            Unparenthesize(target) is IdentifierNameSyntax id
            && _model.GetSymbolInfo(id, _cancellationToken).Symbol is { } symbol
            && _prologueScalars.TryGetValue(symbol, out var name)
            && _accumulatorNames.Contains(name)
                ? name
                : null;

        private void ParseExplicitReduction(string acc, AssignmentExpressionSyntax assignment, Expr? mask)
        {
            // acc = unchecked(acc + x[i]) in a checked project: the context is CheckOverflow's business, the shape is the same.
            var right = Unchecked(assignment.Right);
            if (right is CastExpressionSyntax cast && SymbolEqualityComparer.Default.Equals(_model.GetTypeInfo(cast, _cancellationToken).Type, _model.GetTypeInfo(assignment.Left, _cancellationToken).Type))
            {
                // acc = (byte)(acc + x[i]): the cast back to the accumulator's own type is how C# spells a wrapping small sum.
                right = Unchecked(cast.Expression);
            }

            if (right is BinaryExpressionSyntax binary && (binary.IsKind(SyntaxKind.AddExpression) || binary.IsKind(SyntaxKind.MultiplyExpression)))
            {
                var kind = binary.IsKind(SyntaxKind.AddExpression) ? ReductionKind.Sum : ReductionKind.Product;
                var other = IsAccumulator(binary.Left) == acc ? binary.Right : IsAccumulator(binary.Right) == acc ? binary.Left : null;
                if (other is not null && ParseExpression(other) is { } v)
                {
                    AddReduction(acc, kind, v, mask, assignment);
                    return;
                }
            }

            if (right is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 2 } call
                && call.ArgumentList.Arguments[0] is var a && call.ArgumentList.Arguments[1] is var b
                && _model.GetSymbolInfo(call, _cancellationToken).Symbol is IMethodSymbol { Name: "Min" or "Max" } m
                && IsMathType(m.ContainingType))
            {
                var other = IsAccumulator(a.Expression) == acc ? b.Expression : IsAccumulator(b.Expression) == acc ? a.Expression : null;
                if (other is not null && ParseExpression(other) is { } v)
                {
                    AddReduction(acc, m.Name == "Min" ? ReductionKind.Min : ReductionKind.Max, v, mask, assignment);
                    return;
                }
            }

            if (_carried.Add(acc))
            {
                Report(DiagnosticDescriptors.JitLoopCarriedDependency, assignment, acc);
            }
        }

        private void AddReduction(string acc, ReductionKind kind, Expr value, Expr? mask, SyntaxNode at)
        {
            var declared = _prologue.First(p => p.Name == acc).Type;
            if (_accumulators.TryGetValue(acc, out var existing) && existing.Kind != kind)
            {
                Report(DiagnosticDescriptors.JitLoopCarriedDependency, at, acc);
                return;
            }

            string lane = declared;
            if (_laneType is not null && Size(declared) != Size(_laneType) && IsInteger(declared)
                && CounterOfSize(Size(_laneType)) is { } counter && Retype(value, counter) is { } retyped)
            {
                // A count over other data runs in lanes of the data's width (a 4- or 8-byte counter cannot wrap within one call).
                lane = counter;
                value = retyped;
            }
            else
            {
                value = Coerce(value, declared);
                CheckWidth(value, at);
            }

            if (mask is not null)
            {
                value = new CondExpr(lane, mask, value, Identity(kind, lane));
            }

            _accumulators[acc] = new AccumulatorSpec(acc, declared, lane, kind);
            _body.Add(new ReduceStmt(acc, value));
        }

        private static Expr? Retype(Expr value, string type) => value switch
        {
            ConstExpr c when IsInteger(c.Type) => c.To(type),
            CondExpr c when Retype(c.WhenTrue, type) is { } t && Retype(c.WhenFalse, type) is { } f => new CondExpr(type, c.Condition, t, f),
            _ => null,
        };

        private static Expr Negate(Expr v) => new UnaryExpr(v.Type, "-", v);

        /// <summary>
        /// The stores, after everything is computed, in the order of each array's last write: where two
        /// outputs are the same memory, the one the scalar loop writes last wins there too.
        /// </summary>
        private void FinishStores()
        {
            foreach (var name in _writeOrder)
            {
                _body.Add(new StoreStmt(name, _current[name]));
            }
        }

        /// <summary>
        /// A read of <paramref name="source"/> after writes to other arrays: the scalar loop would see
        /// their new values if they shared its memory, where the kernel reads every element before it
        /// stores any, so the entry refuses such arguments.
        /// </summary>
        private void NoteRead(string source)
        {
            foreach (var written in _writeOrder)
            {
                var pair = new ReadAfterWrite(written, source);
                if (written != source && !_readsAfterWrites.Contains(pair))
                {
                    _readsAfterWrites.Add(pair);
                }
            }
        }
    }
}
