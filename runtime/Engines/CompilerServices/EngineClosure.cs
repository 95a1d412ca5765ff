using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;

namespace Parallax.CompilerServices;

/// <summary>
/// Reads a lambda's captured variables from its delegate, for the generated interceptors that send them to
/// engines. An interceptor receives only the delegate, so the values are read where the C# compiler put
/// them: fields named after the variables, on the delegate's target or on an outer scope's closure it
/// links to. Which variables and types to read is decided at build time; only the field lookup happens
/// here, once per closure type and variable. Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EngineClosure
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
    private const int MaxDepth = 8;

    private static readonly ConcurrentDictionary<(Type, string), FieldInfo[]> Paths = new();

    /// <summary>Returns the value of captured variable <paramref name="name"/> of <paramref name="function"/>.</summary>
    /// <typeparam name="T">The variable's type.</typeparam>
    /// <param name="function">The lambda passed to the view call.</param>
    /// <param name="name">The captured variable's name, without a leading @.</param>
    /// <returns>The variable's current value.</returns>
    /// <exception cref="InvalidOperationException">The delegate has no closure, or none of its closures holds <paramref name="name"/>.</exception>
    public static T Read<T>(Delegate function, string name)
    {
        ArgumentNullException.ThrowIfNull(function);
        object? target = function.Target
            ?? throw new InvalidOperationException($"The delegate has no closure holding captured variable '{name}'; pass the lambda directly at the view call.");
        var path = Paths.GetOrAdd((target.GetType(), name), static key => Find(key.Item1, key.Item2, 0)
            ?? throw new InvalidOperationException($"Captured variable '{key.Item2}' was not found on closure type '{key.Item1}'; report this with the lambda that failed."));
        object? value = target;
        foreach (var field in path)
        {
            value = field.GetValue(value);
        }

        return (T)value!;
    }

    private static FieldInfo[]? Find(Type type, string name, int depth)
    {
        if (type.GetField(name, Instance) is { } direct)
        {
            return [direct];
        }

        // Variables of outer scopes live on their own closure, which the inner one references.
        foreach (var field in type.GetFields(Instance))
        {
            if (depth < MaxDepth && field.FieldType.Name.Contains("DisplayClass", StringComparison.Ordinal) && Find(field.FieldType, name, depth + 1) is { } rest)
            {
                return [field, .. rest];
            }
        }

        return null;
    }
}
