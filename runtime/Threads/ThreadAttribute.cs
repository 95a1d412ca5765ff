namespace Parallax;

/// <summary>
/// On a method of a partial type, generates a factory named after the method plus <c>Thread</c>
/// (for <c>Prescript(string file, int num)</c>: <c>PrescriptThread(string file, int num)</c>) that
/// returns an unstarted thread handle, as Python's <c>Thread(target=prescript, args=(...))</c>.
/// On a partial class with a <c>Run()</c> method, generates what subclassing Python's
/// <c>threading.Thread</c> gives: <c>Start</c>, <c>Join</c> (and <c>JoinAsync</c>), <c>IsAlive</c>, <c>Name</c>, <c>Ident</c>, <c>IsDaemon</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ThreadAttribute : Attribute
{
    /// <summary>Creates the attribute; the thread's name defaults like Python's: <c>Thread-N (Method)</c>.</summary>
    public ThreadAttribute()
    {
    }

    /// <summary>Creates the attribute with the thread's name.</summary>
    /// <param name="name">The name every thread made from this method or class starts with.</param>
    public ThreadAttribute(string name) => Name = name;

    /// <summary>The thread's name, or <see langword="null"/> for Python's default <c>Thread-N (Method)</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// As <see cref="ThreadAttribute"/>, but the thread is a daemon: a background thread that does not
/// keep the process alive, as Python's <c>Thread(..., daemon=True)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class DaemonAttribute : Attribute
{
    /// <summary>Creates the attribute; the thread's name defaults like Python's: <c>Thread-N (Method)</c>.</summary>
    public DaemonAttribute()
    {
    }

    /// <summary>Creates the attribute with the thread's name.</summary>
    /// <param name="name">The name every thread made from this method or class starts with.</param>
    public DaemonAttribute(string name) => Name = name;

    /// <summary>The thread's name, or <see langword="null"/> for Python's default <c>Thread-N (Method)</c>.</summary>
    public string? Name { get; set; }
}
