namespace Parallax;

/// <summary>
/// Marks a static method as code that engines run. The generator gives it a stable dispatch id,
/// argument and result codecs and an entry in the engines' invoker table, so a view can run it
/// without reflection or pickling. Parameters and the result must be serializable; anything else is
/// a build error at its location.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ParallelEngineAttribute : Attribute
{
}
