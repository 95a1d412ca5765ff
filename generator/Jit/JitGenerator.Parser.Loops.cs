namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// <c>while</c> and <c>do</c> loops, <c>break</c> and <c>continue</c> inside the vector loop, read
    /// into <see cref="WhileStmt"/>s whose statements run under per-lane masks until every lane is done.
    /// </summary>
    internal sealed partial class Parser
    {
        /// <summary>The while loops being read, innermost last.</summary>
        private readonly List<WhileFrame> _whiles = new();

        private sealed class WhileFrame(string active, string live, HashSet<ISymbol> flowsOut)
        {
            public string Active { get; } = active;

            public string Live { get; } = live;

            /// <summary>Variables the loop assigns whose values are read after it (Roslyn's data flow, back edges included).</summary>
            public HashSet<ISymbol> FlowsOut { get; } = flowsOut;
        }

        private void ParseWhile(ExpressionSyntax conditionSyntax, StatementSyntax bodySyntax, bool isDo, StatementSyntax loop, Expr? mask)
        {
            var flow = _model.AnalyzeDataFlow(loop);
            var frame = new WhileFrame(Unique("active"), Unique("live"), new HashSet<ISymbol>(flow?.DataFlowsOut ?? Enumerable.Empty<ISymbol>(), SymbolEqualityComparer.Default));
            // The lane type is only known once the whole body is read; Build fixes it (FixMaskLanes).
            var liveMask = new MaskExpr(frame.Live, string.Empty);
            var outer = _body;
            var body = new List<LoopStmt>();
            _body = body;
            _whiles.Add(frame);
            Expr? condition;
            try
            {
                // The condition is evaluated for lanes still in the loop: a division in it divides only there.
                condition = UnderMask(new MaskExpr(frame.Active, string.Empty), () => ParseExpression(conditionSyntax));
                ParseStatement(bodySyntax, And(mask, liveMask) is var inner && mask is null ? liveMask : inner);
            }
            finally
            {
                _whiles.RemoveAt(_whiles.Count - 1);
                _body = outer;
            }

            if (condition is null)
            {
                return;
            }

            if (condition.Type != "bool")
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, conditionSyntax, conditionSyntax.ToString(), "the condition must be a comparison");
                return;
            }

            _body.Add(new WhileStmt(frame.Active, frame.Live, condition, body.ToEquatableArray(), isDo, mask));
        }

        private void ParseBreakOrContinue(StatementSyntax statement, Expr? mask)
        {
            var frame = _whiles[_whiles.Count - 1];
            var lanes = mask ?? new MaskExpr(frame.Live, string.Empty);
            _body.Add(statement is BreakStatementSyntax ? new BreakStmt(frame.Active, frame.Live, Unique("leaving"), lanes) : new ContinueStmt(frame.Live, lanes));
        }

        /// <summary>
        /// The mask an assignment to <paramref name="variable"/> inside while loops blends with. Lanes that
        /// have left a loop (or skip this trip) must keep their value only if the variable is read after
        /// that loop; otherwise nobody reads what they compute, and the blend is dropped: Mandelbrot's
        /// zr and zi run in every lane, only its counter k keeps its value where a lane escaped.
        /// </summary>
        private Expr? BlendMask(Expr? mask, ISymbol variable)
        {
            if (mask is null || _whiles.Count == 0)
            {
                return mask;
            }

            int deepest = _whiles.FindLastIndex(f => f.FlowsOut.Contains(variable));
            var keep = new HashSet<string>(_whiles.Take(deepest + 1).Select(f => f.Live));
            return Conjuncts(mask).Where(c => c is not MaskExpr m || keep.Contains(m.Name)).Aggregate((Expr?)null, (all, c) => And(all, c));
        }

        /// <summary>The conditions a chain of <c>&amp;&amp;</c> joins, left to right.</summary>
        internal static IEnumerable<Expr> Conjuncts(Expr e) =>
            e is BinaryExpr { Op: "&&", Type: "bool" } and ? Conjuncts(and.Left).Concat(Conjuncts(and.Right)) : new[] { e };

        /// <summary>Gives every while mask the kernel's lane type, known only after the whole loop is read.</summary>
        private static LoopStmt FixMaskLanes(LoopStmt s, string lane) => s switch
        {
            LocalStmt or StoreStmt or ReduceStmt => s with { Value = FixMaskLanes(s.Value, lane) },
            WhileStmt w => w with { Condition = FixMaskLanes(w.Condition, lane), Body = w.Body.Select(b => FixMaskLanes(b, lane)).ToEquatableArray(), Enclosing = w.Enclosing is null ? null : FixMaskLanes(w.Enclosing, lane) },
            BreakStmt b => b with { Lanes = FixMaskLanes(b.Lanes, lane) },
            ContinueStmt c => c with { Lanes = FixMaskLanes(c.Lanes, lane) },
            _ => s,
        };

        private static Expr FixMaskLanes(Expr e, string lane) => Rewrite(e, x => x is MaskExpr m ? m with { LaneType = lane } : null);

        /// <summary>
        /// <paramref name="e"/> rebuilt with each node <paramref name="replace"/> answers for swapped in (null:
        /// keep the node and look inside it); loads, constants and the other leaves are kept as they are.
        /// </summary>
        private static Expr Rewrite(Expr e, Func<Expr, Expr?> replace) => replace(e) ?? e switch
        {
            UnaryExpr u => u with { Operand = Rewrite(u.Operand, replace) },
            BinaryExpr b => b with { Left = Rewrite(b.Left, replace), Right = Rewrite(b.Right, replace) },
            CondExpr c => c with { Condition = Rewrite(c.Condition, replace), WhenTrue = Rewrite(c.WhenTrue, replace), WhenFalse = Rewrite(c.WhenFalse, replace) },
            CallExpr c => c with { Arguments = c.Arguments.Select(a => Rewrite(a, replace)).ToEquatableArray() },
            ConvertExpr c => c with { Operand = Rewrite(c.Operand, replace) },
            DivideExpr d => d with { Left = Rewrite(d.Left, replace), Right = Rewrite(d.Right, replace), Mask = d.Mask is null ? null : Rewrite(d.Mask, replace) },
            _ => e,
        };

        /// <summary>Every expression of a statement, through the statements of while loops.</summary>
        internal static IEnumerable<Expr> StatementExpressions(LoopStmt s) => s switch
        {
            LocalStmt or StoreStmt or ReduceStmt => new[] { s.Value },
            WhileStmt w => new[] { w.Condition }.Concat(w.Enclosing is null ? Enumerable.Empty<Expr>() : new[] { w.Enclosing }).Concat(w.Body.SelectMany(StatementExpressions)),
            BreakStmt b => new[] { b.Lanes },
            ContinueStmt c => new[] { c.Lanes },
            _ => Enumerable.Empty<Expr>(),
        };
    }
}
