using System.ComponentModel;

namespace Parallax.CompilerServices;

/// <summary>
/// How Execute declares a namespace matrix that a code string only passes to <c>Linalg.Dot(a, b)</c>:
/// instead of an array copied out of shared memory (<c>double[,] a = Engine.Get&lt;double[,]&gt;("a")</c>),
/// a name that converts to a view of the matrix where it lies (<see cref="Engine.GetMatrix{T}"/>) each
/// time it is used, as the generator does for lambdas. Not for direct use.
/// </summary>
/// <typeparam name="T">The element type (double or float).</typeparam>
/// <param name="name">The variable's name in the engine's namespace.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class MatrixVariable<T>(string name)
    where T : unmanaged
{
    /// <summary>The variable's name in the engine's namespace.</summary>
    public string Name { get; } = name ?? throw new ArgumentNullException(nameof(name));

    /// <summary>A view of the matrix the variable holds now (read where it lies, no copy).</summary>
    /// <param name="variable">The variable.</param>
    public static implicit operator ReadOnlyMatrixSpan<T>(MatrixVariable<T> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return Engine.GetMatrix<T>(variable.Name);
    }

    /// <inheritdoc/>
    public override string ToString() => $"engine variable '{Name}' ({typeof(T).Name}[,], read as a view)";
}
