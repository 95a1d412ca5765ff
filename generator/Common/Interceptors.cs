namespace Parallax.Generator.Common;

/// <summary>A call to redirect, as the compiler's interceptable location gives it: values only.</summary>
/// <param name="Version">The location's encoding version.</param>
/// <param name="Data">The location's encoded data.</param>
/// <param name="Display">The call's file and position, for comments.</param>
internal sealed record InterceptedLocation(int Version, string Data, string Display)
{
    public static InterceptedLocation From(InterceptableLocation location) => new(location.Version, location.Data, location.GetDisplayLocation());

    /// <summary>The attribute that redirects this call, with the call's position as a comment.</summary>
    public string Attribute => $"[global::System.Runtime.CompilerServices.InterceptsLocation({Version}, \"{Data}\")] // {Display}";

    /// <summary>
    /// Declares <c>InterceptsLocationAttribute</c> file-local, as the compiler expects (the runtime does not
    /// ship it): once at the end of every generated file that intercepts.
    /// </summary>
    public static void WriteAttributeDeclaration(SourceWriter w)
    {
        w.OpenBlock("namespace System.Runtime.CompilerServices");
        w.Line("[global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = true)]");
        w.OpenBlock("file sealed class InterceptsLocationAttribute : global::System.Attribute");
        w.OpenBlock("public InterceptsLocationAttribute(int version, string data)");
        w.Line("_ = version;");
        w.Line("_ = data;");
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
    }
}
