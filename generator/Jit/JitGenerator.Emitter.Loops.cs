namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>While loops in the body: per-lane masks in vector code, the plain loop in scalar code.</summary>
    internal sealed partial class Emitter
    {
        /// <summary>
        /// A while loop at one width: the active lanes start as the enclosing mask; each trip drops the
        /// lanes whose condition fails (for good), runs the body with the live lanes, and the loop ends
        /// when no lane is active. Loads were hoisted before the step (nothing in the loop stores).
        /// </summary>
        private void EmitVectorLoopStatement(SourceWriter w, string width, LoopStmt s)
        {
            string lane = _spec.LaneType;
            string vector = $"{width}<{lane}>";
            switch (s)
            {
                case WhileStmt loop:
                    string start = loop.Enclosing is null ? $"{vector}.AllBitsSet" : Mask(loop.Enclosing, width, lane, 0);
                    w.Line($"{vector} {loop.Active} = {start};");
                    w.OpenBlock("while (true)");
                    if (!loop.IsDo)
                    {
                        EmitLoopTest(w, width, loop);
                    }

                    w.Line($"{vector} {loop.Live} = {loop.Active};");
                    EmitVectorStatements(w, width, loop.Body);
                    if (loop.IsDo)
                    {
                        EmitLoopTest(w, width, loop);
                    }

                    w.CloseBlock();
                    break;
                case BreakStmt b:
                    w.Line($"{vector} {b.Leaving} = {Mask(b.Lanes, width, lane, 0)};");
                    w.Line($"{b.Active} = {width}.AndNot({b.Active}, {b.Leaving});");
                    w.Line($"{b.Live} = {width}.AndNot({b.Live}, {b.Leaving});");
                    break;
                case ContinueStmt c:
                    w.Line($"{c.Live} = {width}.AndNot({c.Live}, {Mask(c.Lanes, width, lane, 0)});");
                    break;
            }
        }

        private void EmitLoopTest(SourceWriter w, string width, WhileStmt loop)
        {
            // A lane whose condition fails has left the loop, even if the condition would hold again later.
            w.Line($"{loop.Active} &= {Mask(loop.Condition, width, _spec.LaneType, 0)};");
            w.Line($"if ({loop.Active} == {width}<{_spec.LaneType}>.Zero) break;");
        }

        private void EmitScalarLoopStatement(SourceWriter w, LoopStmt s, bool deferStores, Dictionary<string, string> values)
        {
            switch (s)
            {
                case WhileStmt { IsDo: false } loop:
                    w.OpenBlock($"while ({Bare(Scalar(loop.Condition))})");
                    EmitScalarStatements(w, loop.Body, deferStores, values);
                    w.CloseBlock();
                    break;
                case WhileStmt loop:
                    w.Line("do");
                    w.Line("{").Indent();
                    EmitScalarStatements(w, loop.Body, deferStores, values);
                    w.Unindent().Line($"}} while ({Bare(Scalar(loop.Condition))});");
                    break;
                case BreakStmt b:
                    w.Line(ScalarCondition(b.Lanes) is { } leave ? $"if ({Bare(leave)}) break;" : "break;");
                    break;
                case ContinueStmt c:
                    w.Line(ScalarCondition(c.Lanes) is { } skip ? $"if ({Bare(skip)}) continue;" : "continue;");
                    break;
            }
        }

        /// <summary>A condition as scalar code without the while loops' masks, which hold in scalar code; null when nothing else is left.</summary>
        private string? ScalarCondition(Expr condition)
        {
            var rest = Parser.Conjuncts(condition).Where(c => c is not MaskExpr).ToList();
            return rest.Count == 0 ? null : Scalar(rest.Skip(1).Aggregate(rest[0], (all, c) => new BinaryExpr("bool", "&&", all, c)));
        }

        /// <summary>Whether the body runs a loop of its own per element (a while loop), so each element costs far more than a few instructions.</summary>
        private bool HasInnerLoops => _spec.Body.Any(s => s is WhileStmt);
    }
}
