using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Parallax.Generator.Common;
using Parallax.Generator.Diagnostics;
using Parallax.Generator.Jit.Model;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// Turns the syntax and semantic model of an annotated method into a <see cref="KernelSpec"/>.
    /// It walks the body once, in source order, rejecting every construct the kernel model does not
    /// cover with the diagnostic that names it: the nopython rule, never a scalar fallback.
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

        private readonly SemanticModel _model;
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
        private readonly Dictionary<string, Expr> _current = new(StringComparer.Ordinal);
        private readonly Dictionary<ISymbol, string> _bodyLocals = new(SymbolEqualityComparer.Default);
        private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
        private readonly List<string> _loopScalars = new();
        private readonly List<LoopStmt> _body = new();
        private readonly List<Location> _exactReductionSites = new();

        private ISymbol? _loopVariable;
        private string _loopVariableName = "i";
        private string? _laneType;
        private string _boundArray = string.Empty;
        private int _start;
        private bool _inLoop;
        private bool _vectorize;
        private readonly HashSet<string> _carried = new(StringComparer.Ordinal);

        public Parser(SemanticModel model, IMethodSymbol method, MethodDeclarationSyntax syntax, bool fastMath, bool parallel, CancellationToken cancellationToken)
        {
            _model = model;
            _method = method;
            _syntax = syntax;
            _fastMath = fastMath;
            _parallel = parallel;
            _cancellationToken = cancellationToken;
        }

        private string Name => _method.Name;

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] args) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, node, new[] { Name }.Concat(args).ToArray()));

        private void Report(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] args) =>
            Report(descriptor, token.GetLocation(), args);

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] args) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, new[] { Name }.Concat(args).ToArray()));

        private ParseResult<KernelSpec> Fail() => new(null, _diagnostics.ToEquatableArray());

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

            for (int s = 0; s < loopIndex; s++)
            {
                ParsePrologue(statements[s], writtenInLoop);
            }

            if (!ParseLoopHeader(loop))
            {
                return Fail();
            }

            CheckOverflow(loop.Statement);
            _inLoop = true;
            ParseStatement(loop.Statement, mask: null);
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
                Narrowest() ?? _laneType ?? "double",
                _boundArray,
                _arrayOrder.Select(a => _arrays[a]).ToEquatableArray(),
                _prologue.ToEquatableArray(),
                _accumulators.Values.ToEquatableArray(),
                _body.ToEquatableArray(),
                _loopScalars.ToEquatableArray(),
                returnValue,
                _fastMath,
                _parallel,
                LoopText(loop),
                _start);
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
                .Concat(_body.SelectMany(b => b switch
                {
                    LocalStmt l => new[] { l.Value },
                    StoreStmt st => new[] { st.Value },
                    ReduceStmt r => new[] { r.Value },
                    _ => Array.Empty<Expr>(),
                }).SelectMany(PerElement))
                .ToList();
            return types.Count == 0 ? null : types.OrderBy(Size).First();
        }

        private static IEnumerable<string> PerElement(Expr e) =>
            e.Invariant ? Enumerable.Empty<string>() : (e.Type == "bool" ? Enumerable.Empty<string>() : new[] { e.Type }).Concat(Children(e).SelectMany(PerElement));

        private Location? AccumulatorLocation(string name)
        {
            foreach (var pair in _prologueScalars)
            {
                if (pair.Value == name)
                {
                    return pair.Key.Locations.FirstOrDefault();
                }
            }

            return null;
        }

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

                if (keyword == "int" && !writtenInLoop.Contains(local) && LengthSource(value) is { } length)
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
            var variable = loop.Declaration is { Variables.Count: 1 } d ? d.Variables[0] : null;
            if (variable?.Initializer?.Value is not { } start
                || _model.GetDeclaredSymbol(variable, _cancellationToken) is not ILocalSymbol index
                || index.Type.SpecialType != SpecialType.System_Int32
                || _model.GetConstantValue(start, _cancellationToken) is not { HasValue: true, Value: int first and >= 0 })
            {
                Report(DiagnosticDescriptors.JitLoopShape, (SyntaxNode?)loop.Declaration ?? loop, "it must declare 'int i = c' with a constant c >= 0");
                return false;
            }

            _start = first;

            _loopVariable = index;
            _loopVariableName = index.Name;
            _usedNames.Add(index.Name);

            string? bound = null;
            if (loop.Condition is BinaryExpressionSyntax condition)
            {
                if (condition.IsKind(SyntaxKind.LessThanExpression) && IsLoopVariable(condition.Left))
                {
                    bound = LengthSource(condition.Right);
                }
                else if (condition.IsKind(SyntaxKind.GreaterThanExpression) && IsLoopVariable(condition.Right))
                {
                    bound = LengthSource(condition.Left);
                }
            }

            if (bound is null)
            {
                Report(DiagnosticDescriptors.JitLoopShape, (SyntaxNode?)loop.Condition ?? loop, "the condition must be 'i < a.Length' or 'i < n' with n = a.Length");
                return false;
            }

            bool increment = loop.Incrementors.Count == 1 && loop.Incrementors[0] switch
            {
                PostfixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PostIncrementExpression) && IsLoopVariable(p.Operand),
                PrefixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PreIncrementExpression) && IsLoopVariable(p.Operand),
                AssignmentExpressionSyntax a => a.IsKind(SyntaxKind.AddAssignmentExpression) && IsLoopVariable(a.Left)
                    && _model.GetConstantValue(a.Right, _cancellationToken) is { HasValue: true, Value: 1 },
                _ => false,
            };
            if (!increment)
            {
                Report(DiagnosticDescriptors.JitLoopShape, loop.Incrementors.Count > 0 ? loop.Incrementors[0] : loop, "the increment must be 'i++'");
                return false;
            }

            var written = _model.AnalyzeDataFlow(loop.Statement)?.WrittenInside ?? default;
            if (!written.IsDefault && written.Contains(index, SymbolEqualityComparer.Default))
            {
                Report(DiagnosticDescriptors.JitLoopShape, loop.Statement, $"'{index.Name}' is assigned in the body");
                return false;
            }

            _boundArray = bound;
            var boundSpec = ArrayByName(bound);
            _laneType = boundSpec?.ElementType;
            return true;
        }

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

                    ParseStatement(ifStatement.Statement, And(mask, condition));
                    if (ifStatement.Else is { } elseClause)
                    {
                        ParseStatement(elseClause.Statement, And(mask, new UnaryExpr("bool", "!", condition)));
                    }

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
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, statement.GetFirstToken(), "a nested loop");
                    break;
                default:
                    Report(DiagnosticDescriptors.JitUnsupportedStatement, statement.GetFirstToken(), $"'{FirstToken(statement)}'");
                    break;
            }
        }

        private static string FirstToken(SyntaxNode node) => node.GetFirstToken().ValueText;

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
            string name = local.Name;
            for (int n = 2; !_usedNames.Add(name); n++)
            {
                name = local.Name + "_" + n.ToString(CultureInfo.InvariantCulture);
            }

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
                        _ => null,
                    };
                    if (op is null)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, assignment, assignment.OperatorToken.Text, "no vector form for this compound assignment");
                        return;
                    }

                    if (IsAccumulator(target) is { } acc)
                    {
                        if (op is "/")
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
                    if (right is not null && op == "/" && IsInteger(right.Type))
                    {
                        Report(DiagnosticDescriptors.JitNoVectorForm, assignment, assignment.OperatorToken.Text, "integer division has no SIMD instruction and throws on zero");
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
                        AddReduction(counter, ReductionKind.Sum, new ConstExpr(type, Literal(up ? 1 : -1, type)), mask, expression);
                        return;
                    }

                    update = old => new BinaryExpr(old().Type, up ? "+" : "-", old(), new ConstExpr(old().Type, Literal(1, old().Type)));
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
                if (ElementAccess(access, writing: true) is not { } array)
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
                _body.Add(new LocalStmt(local, type, Declare: false, mask is null ? value : new CondExpr(type, mask, value, old)));
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
                && IntegerOfSize(Size(_laneType)) is { } counter && Retype(value, counter) is { } retyped)
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
                value = new CondExpr(lane, mask, value, new ConstExpr(lane, Identity(kind, lane)));
            }

            _accumulators[acc] = new AccumulatorSpec(acc, declared, lane, kind);
            _body.Add(new ReduceStmt(acc, value));
        }

        /// <summary>The value that leaves an accumulator unchanged, bit for bit (-0.0 for float sums).</summary>
        internal static string Identity(ReductionKind kind, string type) => kind switch
        {
            ReductionKind.Sum => IsFloat(type) ? (type == "float" ? "-0.0f" : "-0.0") : Literal(0, type),
            ReductionKind.Product => Literal(1, type),
            ReductionKind.Min => type switch { "float" => "float.PositiveInfinity", "double" => "double.PositiveInfinity", _ => type + ".MaxValue" },
            _ => type switch { "float" => "float.NegativeInfinity", "double" => "double.NegativeInfinity", _ => type + ".MinValue" },
        };

        private static Expr? Retype(Expr value, string type) => value switch
        {
            ConstExpr c when IsInteger(c.Type) => new ConstExpr(type, Literal(IntegerValue(c), type)),
            CondExpr c when Retype(c.WhenTrue, type) is { } t && Retype(c.WhenFalse, type) is { } f => new CondExpr(type, c.Condition, t, f),
            _ => null,
        };

        private static Expr Negate(Expr v) => new UnaryExpr(v.Type, "-", v);

        private void FinishStores()
        {
            foreach (var name in _arrayOrder)
            {
                if (_current.TryGetValue(name, out var value))
                {
                    _body.Add(new StoreStmt(name, value));
                }
            }
        }

        // ---- expressions ----

        private static ExpressionSyntax Unparenthesize(ExpressionSyntax e)
        {
            while (e is ParenthesizedExpressionSyntax p)
            {
                e = p.Expression;
            }

            return e;
        }

        /// <summary>Without parentheses and checked(...) / unchecked(...) wrappers.</summary>
        private static ExpressionSyntax Unchecked(ExpressionSyntax e)
        {
            while (Unparenthesize(e) is CheckedExpressionSyntax c)
            {
                e = c.Expression;
            }

            return Unparenthesize(e);
        }

        // ---- checked arithmetic ----

        /// <summary>
        /// PAR1015 for integer arithmetic the compiler checks for overflow in <paramref name="body"/>
        /// (the project's CheckForOverflowUnderflow, or a checked expression or block): the scalar
        /// code throws there, where a vector lane wraps. Float arithmetic is never checked. One
        /// diagnostic per outermost checked expression.
        /// </summary>
        private void CheckOverflow(SyntaxNode body)
        {
            if (_model.GetOperation(body, _cancellationToken) is not { } root)
            {
                return;
            }

            var reported = new List<Microsoft.CodeAnalysis.Text.TextSpan>();
            foreach (var operation in root.Descendants())
            {
                var span = operation.Syntax.Span;
                if (operation.ConstantValue.HasValue || !MayOverflow(operation) || reported.Any(r => r.Contains(span)))
                {
                    continue;
                }

                reported.Add(span);
                Report(DiagnosticDescriptors.JitCheckedArithmetic, operation.Syntax, operation.Syntax.ToString(), CheckedBy(operation.Syntax));
            }
        }

        private static string CheckedBy(SyntaxNode node)
        {
            foreach (var ancestor in node.AncestorsAndSelf())
            {
                if (ancestor.IsKind(SyntaxKind.CheckedExpression))
                {
                    return "inside checked(...)";
                }

                if (ancestor.IsKind(SyntaxKind.CheckedStatement))
                {
                    return "inside a checked block";
                }
            }

            return "the project sets <CheckForOverflowUnderflow>true</CheckForOverflowUnderflow>";
        }

        /// <summary>A checked operation that can overflow at run time; an add of two promoted bytes cannot.</summary>
        private static bool MayOverflow(IOperation operation)
        {
            switch (operation)
            {
                case IBinaryOperation { IsChecked: true, OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply } b
                    when IntegerKeyword(b.Type) is { } type:
                    int bits = Size(type) * 8 - 2;
                    int left = Magnitude(b.LeftOperand), right = Magnitude(b.RightOperand);
                    // |a ± b| ≤ 2^(max + 1) and |a · b| ≤ 2^(l + r): within a signed result's range, no overflow.
                    bool bounded = IsSigned(type) && (b.OperatorKind == BinaryOperatorKind.Multiply ? left + right : Math.Max(left, right) + 1) <= bits;
                    return !bounded;
                case IUnaryOperation { IsChecked: true, OperatorKind: UnaryOperatorKind.Minus } u when IntegerKeyword(u.Type) is { } type:
                    return !(IsSigned(type) && Magnitude(u.Operand) <= Size(type) * 8 - 2);
                case ICompoundAssignmentOperation { IsChecked: true } c:
                    return IntegerKeyword(c.Target.Type) is not null;
                case IIncrementOrDecrementOperation { IsChecked: true } i:
                    return IntegerKeyword(i.Target.Type) is not null;
                case IConversionOperation { IsChecked: true } c when IntegerKeyword(c.Type) is { } to && c.Operand.Type is { } operandType && Keyword(operandType) is { } from:
                    return IsFloat(from) || !Contains(to, from);
                default:
                    return false;
            }
        }

        private static string? IntegerKeyword(ITypeSymbol? type) => type is not null && Keyword(type) is { } k && IsInteger(k) ? k : null;

        private static bool IsSigned(string type) => type is "sbyte" or "short" or "int" or "long";

        /// <summary>The least k with |v| ≤ 2^k for every value <paramref name="operand"/> can have.</summary>
        private static int Magnitude(IOperation operand)
        {
            if (operand.ConstantValue is { HasValue: true, Value: { } value } && value is not bool && IntegerKeyword(operand.Type) is not null)
            {
                decimal magnitude = Math.Abs(System.Convert.ToDecimal(value, CultureInfo.InvariantCulture));
                int k = 0;
                while ((decimal)Math.Pow(2, k) < magnitude)
                {
                    k++;
                }

                return k;
            }

            // A promoted small integer keeps the small type's range, and so do sums and products of such.
            int bound = operand switch
            {
                IConversionOperation { IsImplicit: true, Operand: var inner } when IntegerKeyword(inner.Type) is not null => Magnitude(inner),
                IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } b => Math.Max(Magnitude(b.LeftOperand), Magnitude(b.RightOperand)) + 1,
                IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } b => Magnitude(b.LeftOperand) + Magnitude(b.RightOperand),
                IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } u => Magnitude(u.Operand),
                _ => int.MaxValue,
            };
            return Math.Min(bound, TypeMagnitude(operand.Type));
        }

        private static int TypeMagnitude(ITypeSymbol? type)
        {
            return IntegerKeyword(type) switch
            {
                "byte" => 8,
                "sbyte" => 7,
                "short" => 15,
                "ushort" => 16,
                "int" => 31,
                "uint" => 32,
                "long" => 63,
                _ => 64,
            };
        }

        /// <summary>Whether every value of integer type <paramref name="from"/> is a value of <paramref name="to"/>.</summary>
        private static bool Contains(string to, string from) =>
            IsSigned(to) == IsSigned(from) ? Size(to) >= Size(from) : IsSigned(to) && Size(to) > Size(from);

        /// <summary>Parses an expression, wrapping it in the implicit conversion C# applies to it.</summary>
        private Expr? ParseExpression(ExpressionSyntax syntax)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var e = Unparenthesize(syntax);
            var info = _model.GetTypeInfo(e, _cancellationToken);
            var constant = _model.GetConstantValue(e, _cancellationToken);
            if (constant.HasValue && info.ConvertedType is { } constantType && Keyword(constantType) is { } ck && constant.Value is not null and not bool)
            {
                return new ConstExpr(ck, Literal(constant.Value, ck));
            }

            var parsed = ParseCore(e, info);
            if (parsed is null)
            {
                return null;
            }

            if (info.ConvertedType is { } converted && info.Type is { } type
                && !SymbolEqualityComparer.Default.Equals(converted, type)
                && Keyword(converted) is { } to && parsed.Type != to)
            {
                return Convert(parsed, to, e);
            }

            return parsed;
        }

        private Expr? Convert(Expr value, string to, SyntaxNode at)
        {
            if (value.Type == "bool")
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, at, at.ToString(), "a comparison used as a number");
                return null;
            }

            return Coerce(value, to);
        }

        /// <summary>Converts to <paramref name="type"/>, folding the conversion into constants and the branches of a select.</summary>
        private static Expr Coerce(Expr value, string type) => value switch
        {
            _ when value.Type == type || value.Type == "bool" => value,
            ConstExpr c when IsInteger(c.Type) || IsFloat(type) => new ConstExpr(type, Literal(ParseLiteral(c), type)),
            CondExpr c => new CondExpr(type, c.Condition, Coerce(c.WhenTrue, type), Coerce(c.WhenFalse, type)),
            _ when IsInteger(type) && IsInteger(value.Type) && Size(type) < Size(value.Type) && Narrow(value, type) is { } narrowed => narrowed,
            _ => new ConvertExpr(type, value),
        };

        /// <summary>
        /// <c>(byte)(x[i] + y[i])</c> computed in byte lanes: C# promotes small integers to int, but the
        /// low bits of a wrapping + - * &amp; | ^ ~ depend only on the low bits of the operands, so the
        /// truncated result is the same operation in the narrow type. Null when some part of
        /// <paramref name="value"/> does not have that property (division, a comparison of promoted
        /// values, a per-element local of the wide type): it stays a mixed-width expression.
        /// </summary>
        private static Expr? Narrow(Expr value, string type)
        {
            if (!IsInteger(value.Type))
            {
                return null;
            }

            if (Size(value.Type) == Size(type))
            {
                return value.Type == type ? value : new ConvertExpr(type, value);
            }

            switch (value)
            {
                case ConstExpr c:
                    return new ConstExpr(type, Literal(IntegerValue(c), type));
                case { Invariant: true }:
                    // Computed once in the wide type, then truncated: the same low bits.
                    return new ConvertExpr(type, value);
                case ConvertExpr c when IsInteger(c.Operand.Type) && Size(c.Operand.Type) >= Size(type):
                    return Narrow(c.Operand, type);
                case BinaryExpr { Op: "<<", Right: ConstExpr count } b when IntegerValue(count) >= 0 && IntegerValue(count) < 8 * Size(type):
                    // The low bits of a left shift depend only on the low bits of its operand, for counts within the narrow type.
                    return Narrow(b.Left, type) is { } shifted ? new BinaryExpr(type, "<<", shifted, count) : null;
                case BinaryExpr { Op: ">>" or ">>>", Left: ConvertExpr { Operand: var operand }, Right: ConstExpr count } when operand.Type == type && IntegerValue(count) >= 0 && IntegerValue(count) < 8 * Size(type):
                    // A right shift of a value just promoted from the narrow type: the extension C# applied
                    // (sign or zero, by the type) is what the narrow type's own >> shifts in.
                    return new BinaryExpr(type, ">>", operand, count);
                case BinaryExpr { Op: "+" or "-" or "*" or "&" or "|" or "^" } b:
                    return Narrow(b.Left, type) is { } l && Narrow(b.Right, type) is { } r ? new BinaryExpr(type, b.Op, l, r) : null;
                case UnaryExpr { Op: "-" or "~" } u:
                    return Narrow(u.Operand, type) is { } o ? new UnaryExpr(type, u.Op, o) : null;
                case CondExpr c:
                    return Narrow(c.WhenTrue, type) is { } t && Narrow(c.WhenFalse, type) is { } f ? new CondExpr(type, c.Condition, t, f) : null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// A comparison of two promoted small integers (<c>x[i] &lt; y[i]</c> on bytes is an int comparison in
        /// C#) gives the same answer in the operands' own lanes, since widening keeps the value.
        /// </summary>
        private static (Expr Left, Expr Right)? Unpromote(Expr left, Expr right)
        {
            static Expr? Inner(Expr e) => e is ConvertExpr { Operand: var o } c && IsInteger(o.Type) && IsInteger(c.Type) && Size(o.Type) < Size(c.Type) ? o : null;

            var l = Inner(left);
            var r = Inner(right);
            if (l is not null && r is not null)
            {
                return l.Type == r.Type ? (l, r) : null;
            }

            var narrow = l ?? r;
            var constant = (l is null ? left : right) as ConstExpr;
            if (narrow is null || constant is null || !IsInteger(constant.Type) || !FitsIn(IntegerValue(constant), narrow.Type))
            {
                return null;
            }

            var c = new ConstExpr(narrow.Type, Literal(IntegerValue(constant), narrow.Type));
            return l is not null ? (narrow, c) : (c, narrow);
        }

        private static bool FitsIn(long value, string type) => type switch
        {
            "byte" => value is >= byte.MinValue and <= byte.MaxValue,
            "sbyte" => value is >= sbyte.MinValue and <= sbyte.MaxValue,
            "short" => value is >= short.MinValue and <= short.MaxValue,
            "ushort" => value is >= ushort.MinValue and <= ushort.MaxValue,
            "uint" => value is >= uint.MinValue and <= uint.MaxValue,
            "int" => value is >= int.MinValue and <= int.MaxValue,
            _ => true,
        };

        private static object ParseLiteral(ConstExpr c) => c.Type switch
        {
            "double" or "float" => c.Literal switch
            {
                "double.NaN" or "float.NaN" or "-double.NaN" or "-float.NaN" => double.NaN,
                "double.PositiveInfinity" or "float.PositiveInfinity" => double.PositiveInfinity,
                "double.NegativeInfinity" or "float.NegativeInfinity" => double.NegativeInfinity,
                _ => double.Parse(c.Literal.TrimEnd('f'), CultureInfo.InvariantCulture),
            },
            "ulong" => ulong.Parse(c.Literal.Substring(0, c.Literal.Length - 2), CultureInfo.InvariantCulture),
            _ => IntegerValue(c),
        };

        /// <summary>The value of an integer literal as <see cref="Literal"/> writes it: "(byte)5", "(sbyte)(-5)", "5u", "5L".</summary>
        private static long IntegerValue(ConstExpr c)
        {
            string text = c.Literal;
            if (text.StartsWith("(", StringComparison.Ordinal))
            {
                text = text.Substring(text.IndexOf(')') + 1).Trim('(', ')');
            }

            text = text.TrimEnd('L', 'U', 'u');
            return text.StartsWith("-", StringComparison.Ordinal) ? long.Parse(text, CultureInfo.InvariantCulture) : unchecked((long)ulong.Parse(text, CultureInfo.InvariantCulture));
        }

        private Expr? ParseCore(ExpressionSyntax e, TypeInfo info)
        {
            switch (e)
            {
                case ElementAccessExpressionSyntax access:
                    if (!_inLoop)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "elements can only be read inside the loop");
                        return null;
                    }

                    if (ElementAccess(access, writing: false) is not { } load)
                    {
                        return null;
                    }

                    return _current.TryGetValue(load.Array, out var forwarded) ? forwarded : ReadOriginal(load);

                case IdentifierNameSyntax id:
                    return Identifier(id);

                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" } when !_inLoop && LengthSource(e) is { } source:
                    return new ScalarExpr("int", source + ".Length");

                case BinaryExpressionSyntax binary:
                    return Binary(binary, info);

                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression) || unary.IsKind(SyntaxKind.LogicalNotExpression) || unary.IsKind(SyntaxKind.UnaryPlusExpression) || unary.IsKind(SyntaxKind.BitwiseNotExpression):
                    if (ParseExpression(unary.Operand) is not { } operand)
                    {
                        return null;
                    }

                    if (unary.IsKind(SyntaxKind.UnaryPlusExpression))
                    {
                        return operand;
                    }

                    // The operand carries C#'s promotion (-x on a uint is a long), so the result has the operand's type.
                    return new UnaryExpr(operand.Type, unary.IsKind(SyntaxKind.UnaryMinusExpression) ? "-" : unary.IsKind(SyntaxKind.BitwiseNotExpression) ? "~" : "!", operand);

                case ConditionalExpressionSyntax conditional:
                    var condition = ParseExpression(conditional.Condition);
                    var whenTrue = ParseExpression(conditional.WhenTrue);
                    var whenFalse = ParseExpression(conditional.WhenFalse);
                    if (condition is null || whenTrue is null || whenFalse is null)
                    {
                        return null;
                    }

                    if (whenTrue.Type == "bool")
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "a conditional that yields a comparison");
                        return null;
                    }

                    return new CondExpr(whenTrue.Type, condition, whenTrue, Coerce(whenFalse, whenTrue.Type));

                case InvocationExpressionSyntax invocation:
                    return Call(invocation, info);

                case CheckedExpressionSyntax checkedExpression when _inLoop:
                    return ParseExpression(checkedExpression.Expression);

                case CheckedExpressionSyntax:
                    // The entry method evaluates code outside the loop in the project's own context.
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "checked and unchecked are supported inside the loop only");
                    return null;

                case CastExpressionSyntax cast:
                    if (ParseExpression(cast.Expression) is not { } inner)
                    {
                        return null;
                    }

                    if (info.Type is not { } castType || Keyword(castType) is not { } target)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedType, cast.Type, cast.ToString(), info.Type?.ToMessageString() ?? "?");
                        return null;
                    }

                    return Convert(inner, target, cast);

                case PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax or AssignmentExpressionSyntax:
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "an assignment inside an expression");
                    return null;

                default:
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "not part of the kernel model");
                    return null;
            }
        }

        private Expr? Identifier(IdentifierNameSyntax id)
        {
            var symbol = _model.GetSymbolInfo(id, _cancellationToken).Symbol;
            if (symbol is null)
            {
                return null;
            }

            if (SymbolEqualityComparer.Default.Equals(symbol, _loopVariable))
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "the loop variable can only index arrays");
                return null;
            }

            if (_bodyLocals.TryGetValue(symbol, out var local))
            {
                return new LocalExpr(Keyword(((ILocalSymbol)symbol).Type)!, local);
            }

            if (_lengthLocals.TryGetValue(symbol, out _))
            {
                if (_inLoop)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "the loop bound can only bound the loop");
                    return null;
                }

                return new ScalarExpr("int", symbol.Name);
            }

            if (_prologueScalars.TryGetValue(symbol, out var scalar))
            {
                var type = Keyword(((ILocalSymbol)symbol).Type)!;
                if (_inLoop && _accumulatorNames.Contains(scalar))
                {
                    // An accumulator read anywhere but its own reduction sees the previous iteration.
                    _carried.Add(scalar);
                    Report(DiagnosticDescriptors.JitLoopCarriedDependency, id, scalar);
                    return null;
                }

                if (_inLoop && !_loopScalars.Contains(scalar))
                {
                    _loopScalars.Add(scalar);
                }

                return new ScalarExpr(type, scalar);
            }

            if (_params.TryGetValue(symbol, out var p))
            {
                if (_vectorize)
                {
                    // [Vectorize]: each scalar parameter is one element of its input span.
                    NoteLane(p.ElementType);
                    return new LoadExpr(p.ElementType, p.Name);
                }

                if (p.Shape != ParamShape.Scalar)
                {
                    if (_inLoop)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "an array can only be indexed by the loop variable");
                        return null;
                    }

                    return new ScalarExpr("array", p.Name);
                }

                if (_inLoop && !_loopScalars.Contains(p.Name))
                {
                    _loopScalars.Add(p.Name);
                }

                return new ScalarExpr(p.ElementType, p.Name);
            }

            if (_allocations.ContainsKey(symbol) && !_inLoop)
            {
                return new ScalarExpr("array", symbol.Name);
            }

            Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "only parameters, locals of the method and constants can be read");
            return null;
        }

        private LoadExpr? ElementAccess(ElementAccessExpressionSyntax access, bool writing)
        {
            if (access.ArgumentList.Arguments.Count != 1 || Unparenthesize(access.Expression) is not IdentifierNameSyntax owner)
            {
                Report(DiagnosticDescriptors.JitUnsupportedIndex, access, access.ToString(), _loopVariableName);
                return null;
            }

            var argument = access.ArgumentList.Arguments[0];
            var symbol = _model.GetSymbolInfo(owner, _cancellationToken).Symbol;
            string name = owner.Identifier.ValueText;
            if (symbol is null || !(_params.TryGetValue(symbol, out var p) && p.Shape != ParamShape.Scalar || _allocations.ContainsKey(symbol)))
            {
                Report(DiagnosticDescriptors.JitUnprovableAliasing, owner, name);
                return null;
            }

            var found = ArrayByName(name)!.Value;
            int? offset = Offset(argument.Expression);
            if (offset != 0)
            {
                // a[i - 1] on an array the loop writes is the classic recurrence; a read of a[i + c] elsewhere is a view.
                bool carried = _arrays.TryGetValue(name, out var known) && known.Written || writing;
                if (carried || IsWrittenLater(access, name))
                {
                    Report(DiagnosticDescriptors.JitLoopCarriedDependency, access, access.ToString());
                    return null;
                }

                if (offset is null || found.IsLocal)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedIndex, argument, access.ToString(), _loopVariableName);
                    return null;
                }

                if (_start + offset.Value < 0)
                {
                    Report(DiagnosticDescriptors.JitIndexBeforeStart, argument, access.ToString(), name, _start.ToString(CultureInfo.InvariantCulture), (-offset.Value).ToString(CultureInfo.InvariantCulture));
                    return null;
                }

                string view = name + (offset > 0 ? "Plus" : "Minus") + Math.Abs(offset.Value).ToString(CultureInfo.InvariantCulture);
                if (!_views.ContainsKey(view))
                {
                    string unique = view;
                    for (int n = 2; !_usedNames.Add(unique); n++)
                    {
                        unique = view + "_" + n.ToString(CultureInfo.InvariantCulture);
                    }

                    _views[view] = unique;
                    _arrays[unique] = new ArraySpec(unique, found.ElementType, found.Shape, IsLocal: false, Written: false, ReadsOriginal: false, name, offset.Value);
                    _arrayOrder.Add(unique);
                }

                NoteLane(found.ElementType);
                return new LoadExpr(found.ElementType, _views[view]);
            }

            if (!_arrays.TryGetValue(name, out var spec))
            {
                spec = new ArraySpec(name, found.ElementType, found.Shape, found.IsLocal, Written: false, ReadsOriginal: false, name, 0);
                _arrayOrder.Add(name);
            }

            if (writing)
            {
                spec = spec with { Written = true };
            }

            _arrays[name] = spec;
            NoteLane(found.ElementType);
            return new LoadExpr(found.ElementType, name);
        }

        /// <summary>The constant c of an index <c>i</c>, <c>i + c</c>, <c>c + i</c> or <c>i - c</c>; null for any other index.</summary>
        private int? Offset(ExpressionSyntax index)
        {
            index = Unparenthesize(index);
            if (IsLoopVariable(index))
            {
                return 0;
            }

            if (index is not BinaryExpressionSyntax binary || !(binary.IsKind(SyntaxKind.AddExpression) || binary.IsKind(SyntaxKind.SubtractExpression)))
            {
                return null;
            }

            int? Constant(ExpressionSyntax e) => _model.GetConstantValue(e, _cancellationToken) is { HasValue: true, Value: int c } ? c : null;
            if (IsLoopVariable(binary.Left) && Constant(binary.Right) is { } right)
            {
                return binary.IsKind(SyntaxKind.AddExpression) ? right : -right;
            }

            return binary.IsKind(SyntaxKind.AddExpression) && IsLoopVariable(binary.Right) && Constant(binary.Left) is { } left ? left : null;
        }

        private bool IsWrittenLater(ElementAccessExpressionSyntax access, string name)
        {
            var loop = access.FirstAncestorOrSelf<ForStatementSyntax>();
            bool Writes(ExpressionSyntax target) => Unparenthesize(target) is ElementAccessExpressionSyntax { Expression: IdentifierNameSyntax id } && id.Identifier.ValueText == name;
            return loop is not null && loop.Statement.DescendantNodes().Any(n => n switch
            {
                AssignmentExpressionSyntax a => Writes(a.Left),
                PostfixUnaryExpressionSyntax p => Writes(p.Operand),
                PrefixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression) => Writes(p.Operand),
                _ => false,
            });
        }

        /// <summary>The first array read or written fixes the lane type counters accumulate in; other widths are parts of a step.</summary>
        private void NoteLane(string type) => _laneType ??= type;

        /// <summary>Every conversion of a per-element value must have an exact vector form (widen, narrow, convert).</summary>
        private void CheckWidth(Expr value, SyntaxNode at)
        {
            if (value.Invariant)
            {
                return;
            }

            if (value is ConvertExpr c && VectorConversion(c.Operand.Type, c.Type) is { } reason)
            {
                Report(DiagnosticDescriptors.JitMixedWidths, at, at.ToString(), c.Operand.Type, c.Type, reason);
                return;
            }

            foreach (var child in Children(value))
            {
                CheckWidth(child, at);
            }
        }

        internal static IEnumerable<Expr> Children(Expr e) => e switch
        {
            UnaryExpr u => new[] { u.Operand },
            BinaryExpr b => new[] { b.Left, b.Right },
            CondExpr c => new[] { c.Condition, c.WhenTrue, c.WhenFalse },
            CallExpr c => c.Arguments,
            ConvertExpr c => new[] { c.Operand },
            _ => Array.Empty<Expr>(),
        };

        /// <summary>
        /// Null when a per-element conversion from <paramref name="from"/> to <paramref name="to"/> has an
        /// exact vector form; otherwise why not. Integers widen (sign- or zero-extending like C#) and
        /// narrow (wrapping) between any widths; integers become floats after widening to the float's
        /// width, which is exact; float widens to double and double narrows to float (rounding once).
        /// </summary>
        internal static string? VectorConversion(string from, string to)
        {
            if (from == to || Size(from) == Size(to) || IsInteger(from) && IsInteger(to) || from == "float" && to == "double" || from == "double" && to == "float")
            {
                return null;
            }

            if (IsInteger(from) && IsFloat(to))
            {
                return Size(from) < Size(to) ? null : $"({to}){from} rounds once in C#, but a vector conversion would round twice; convert in the scalar code or keep both at one width";
            }

            if (from == "float" && to is "long" or "ulong")
            {
                return null;
            }

            return $"({to}){from} saturates at {to}'s range in C#, which no vector conversion does; convert to {(to.StartsWith("u", StringComparison.Ordinal) ? "ulong" : "long")} first";
        }

        private Expr? Binary(BinaryExpressionSyntax binary, TypeInfo info)
        {
            var kind = binary.Kind();
            string? op = kind switch
            {
                SyntaxKind.AddExpression => "+",
                SyntaxKind.SubtractExpression => "-",
                SyntaxKind.MultiplyExpression => "*",
                SyntaxKind.DivideExpression => "/",
                SyntaxKind.LessThanExpression => "<",
                SyntaxKind.LessThanOrEqualExpression => "<=",
                SyntaxKind.GreaterThanExpression => ">",
                SyntaxKind.GreaterThanOrEqualExpression => ">=",
                SyntaxKind.EqualsExpression => "==",
                SyntaxKind.NotEqualsExpression => "!=",
                SyntaxKind.LogicalAndExpression => "&&",
                SyntaxKind.LogicalOrExpression => "||",
                SyntaxKind.BitwiseAndExpression => "&",
                SyntaxKind.BitwiseOrExpression => "|",
                SyntaxKind.ExclusiveOrExpression => "^",
                SyntaxKind.LeftShiftExpression => "<<",
                SyntaxKind.RightShiftExpression => ">>",
                SyntaxKind.UnsignedRightShiftExpression => ">>>",
                _ => null,
            };
            if (op is null)
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.OperatorToken.Text, "only + - * / & | ^ << >> >>> comparisons && || are vectorized");
                return null;
            }

            var left = ParseExpression(binary.Left);
            var right = ParseExpression(binary.Right);
            if (left is null || right is null)
            {
                return null;
            }

            // On bools & and | are && and || without the short circuit, which a mask never has anyway.
            if (op is "&" or "|" or "^" && left.Type == "bool" && right.Type == "bool")
            {
                op = op switch { "&" => "&&", "|" => "||", _ => "^" };
            }

            if (op is "&&" or "||" || op == "^" && left.Type == "bool")
            {
                if (left.Type != "bool" || right.Type != "bool")
                {
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, binary, binary.ToString(), "&& and || need comparisons on both sides");
                    return null;
                }

                return new BinaryExpr("bool", op, left, right);
            }

            if (op is "<<" or ">>" or ">>>")
            {
                if (!right.Invariant)
                {
                    // A vector shifts every lane by one count; per-lane counts have no instruction below AVX2.
                    Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.ToString(), "the shift count must be the same in every iteration");
                    return null;
                }

                return new BinaryExpr(left.Type, op, left, right);
            }

            if (op is "&" or "|" or "^" && !(IsInteger(left.Type) && IsInteger(right.Type)))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.ToString(), "bitwise operators apply to integers only");
                return null;
            }

            if (op is "<" or "<=" or ">" or ">=" or "==" or "!=" && Unpromote(left, right) is { } unpromoted)
            {
                // Compared in the operands' own lanes, the mask needs no widening.
                (left, right) = unpromoted;
            }

            if (info.Type is not { } resultType || (Keyword(resultType) is not { } type && resultType.SpecialType != SpecialType.System_Boolean))
            {
                Report(DiagnosticDescriptors.JitUnsupportedType, binary, binary.ToString(), info.Type?.ToMessageString() ?? "?");
                return null;
            }

            if (left.Type == "bool" || right.Type == "bool")
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, binary, binary.ToString(), "comparisons can only be combined with && and ||");
                return null;
            }

            if (op == "/" && IsInteger(left.Type) && !(left.Invariant && right.Invariant))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.ToString(), "integer division has no SIMD instruction and throws on zero");
                return null;
            }

            return new BinaryExpr(resultType.SpecialType == SpecialType.System_Boolean ? "bool" : Keyword(resultType)!, op, left, right);
        }

        private Expr? Call(InvocationExpressionSyntax invocation, TypeInfo info)
        {
            var method = _model.GetSymbolInfo(invocation, _cancellationToken).Symbol as IMethodSymbol;
            string display = invocation.Expression.ToString();
            if (method is null || !IsMathType(method.ContainingType) || !VectorFunctions.Contains(method.Name))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "only Math/MathF Abs, Min, Max, Sqrt, FusedMultiplyAdd, Floor, Ceiling, Round, Truncate, Clamp, Exp, Log, Sin and Cos are vectorized");
                return null;
            }

            if (info.Type is not { } returnType || Keyword(returnType) is not { } type)
            {
                Report(DiagnosticDescriptors.JitUnsupportedType, invocation, display, info.Type?.ToMessageString() ?? "?");
                return null;
            }

            if (method.Parameters.Length != invocation.ArgumentList.Arguments.Count || method.Name == "Round" && method.Parameters.Length != 1)
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "this overload has no vector form");
                return null;
            }

            if (method.Name == "Abs" && IsInteger(type))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "Math.Abs throws on MinValue for integers, which a vector cannot do");
                return null;
            }

            if (method.Name is "Sqrt" or "Floor" or "Ceiling" or "Round" or "Truncate" or "Exp" or "Log" or "Sin" or "Cos" or "FusedMultiplyAdd" && !IsFloat(type))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "this function is vectorized for float and double only");
                return null;
            }

            if (ApproximateFunctions.Contains(method.Name) && !_fastMath)
            {
                Report(DiagnosticDescriptors.JitNeedsFastMath, invocation, display, method.Name);
                return null;
            }

            var args = new List<Expr>();
            foreach (var argument in invocation.ArgumentList.Arguments)
            {
                if (ParseExpression(argument.Expression) is not { } a)
                {
                    return null;
                }

                args.Add(Coerce(a, type));
            }

            if (method.Name == "Clamp" && !(args[1].Invariant && args[2].Invariant))
            {
                // Math.Clamp throws when min > max; checked once up front, which needs invariant bounds.
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "Clamp's min and max must be the same in every iteration");
                return null;
            }

            return new CallExpr(type, method.Name, args.ToEquatableArray());
        }

        private static bool IsMathType(INamedTypeSymbol? type) =>
            type is { Name: "Math" or "MathF", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

        // ---- types and literals ----

        internal static string? Keyword(ITypeSymbol type) => type.SpecialType switch
        {
            SpecialType.System_Single => "float",
            SpecialType.System_Double => "double",
            SpecialType.System_Int32 => "int",
            SpecialType.System_Int64 => "long",
            SpecialType.System_Byte => "byte",
            SpecialType.System_SByte => "sbyte",
            SpecialType.System_Int16 => "short",
            SpecialType.System_UInt16 => "ushort",
            SpecialType.System_UInt32 => "uint",
            SpecialType.System_UInt64 => "ulong",
            _ => null,
        };

        internal static bool IsFloat(string type) => type is "float" or "double";

        internal static bool IsInteger(string type) => type is "int" or "long" or "byte" or "sbyte" or "short" or "ushort" or "uint" or "ulong";

        /// <summary>Types that C# promotes to int before any arithmetic: their results need a cast back.</summary>
        internal static bool IsSmall(string type) => type is "byte" or "sbyte" or "short" or "ushort";

        internal static int Size(string type) => type switch
        {
            "double" or "long" or "ulong" => 8,
            "byte" or "sbyte" => 1,
            "short" or "ushort" => 2,
            _ => 4,
        };

        /// <summary>A counter's lane type for data of another width; counts in 1- or 2-byte lanes would wrap.</summary>
        private static string? IntegerOfSize(int size) => size switch { 8 => "long", 4 => "int", _ => null };

        internal static string Literal(object value, string type) => CSharpLiteral.Format(value, type);
    }
}
