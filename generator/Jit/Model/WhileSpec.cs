namespace Parallax.Generator.Jit.Model;

/// <summary>
/// A <c>while</c> or <c>do</c> loop inside the vector loop. Each vector lane is its own iteration of
/// the vector loop with its own trip count, so the kernel runs the loop for all lanes together and
/// keeps two masks in the lanes of the kernel's step type: <see cref="Active"/>, the lanes still in
/// the loop (a lane that left never returns), and <see cref="Live"/>, the lanes running the current
/// trip (active minus those that hit a <c>continue</c>). It stops when no lane is active.
/// </summary>
/// <param name="Active">Name of the vector of lanes still in the loop.</param>
/// <param name="Live">Name of the vector of lanes running this trip.</param>
/// <param name="Condition">The loop's condition (the statement's <see cref="LoopStmt.Value"/>; the body's statements hold the rest).</param>
/// <param name="Body">The loop's statements; assignments that must survive the loop carry <see cref="Live"/> in their mask.</param>
/// <param name="IsDo">A <c>do</c> loop: the body runs before the first test.</param>
/// <param name="Enclosing">The mask of the ifs around the loop (null: every lane enters it).</param>
internal sealed record WhileStmt(string Active, string Live, Expr Condition, EquatableArray<LoopStmt> Body, bool IsDo, Expr? Enclosing) : LoopStmt(Condition);

/// <summary>
/// <c>break</c> in lanes <see cref="Lanes"/>: they leave the loop whose masks are named. The lanes are
/// computed once into <see cref="Leaving"/>, since both masks drop them and the condition may divide.
/// </summary>
internal sealed record BreakStmt(string Active, string Live, string Leaving, Expr Lanes) : LoopStmt(Lanes);

/// <summary><c>continue</c> in lanes <see cref="Lanes"/>: they skip the rest of this trip.</summary>
internal sealed record ContinueStmt(string Live, Expr Lanes) : LoopStmt(Lanes);

/// <summary>A while loop's mask of lanes running the current trip, as a condition in lanes of <see cref="LaneType"/>.</summary>
internal sealed record MaskExpr(string Name, string LaneType) : Expr("bool")
{
    public override bool Invariant => false;
}
