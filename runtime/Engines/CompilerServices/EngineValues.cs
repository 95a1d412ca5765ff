using System.ComponentModel;
using System.Numerics;
using Parallax.Engines.Host;

namespace Parallax.CompilerServices;

/// <summary>
/// What the generator writes in engine lambdas in place of <c>Engine.Set(name, Linalg.Dot(a, b))</c>: the
/// product is written straight into the new variable's shared memory, which a pull then maps where it
/// lies, and the variable takes it only once the product is done (so the product may read the
/// variable's old value, as the original expression does). Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EngineValues
{
    /// <summary>Sets variable <paramref name="name"/> to the product a·b, computed into the memory the variable will hold.</summary>
    /// <typeparam name="T">The element type (double or float).</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="a">An m x k matrix.</param>
    /// <param name="b">A k x n matrix.</param>
    /// <exception cref="ArgumentException">a's columns differ from b's rows.</exception>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static void SetDot<T>(string name, ReadOnlyMatrixSpan<T> a, ReadOnlyMatrixSpan<T> b)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(name);
        if (b.Rows != a.Columns)
        {
            throw new ArgumentException($"a is {a.Rows}x{a.Columns} but b is {b.Rows}x{b.Columns}: a's columns must equal b's rows.", nameof(b));
        }

        var ns = EngineNamespace.Current;
        var pending = ns.CreateMatrix<T>(name, a.Rows, b.Columns, clear: false);
        try
        {
            LinalgCore<T>.Gemm(T.One, a, Transpose.None, b, Transpose.None, T.Zero, pending.Matrix);
        }
        catch
        {
            ns.Discard(pending);
            throw;
        }

        ns.Commit(pending);
    }
}
