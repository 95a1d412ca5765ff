namespace Parallax.Generator.Engines.Model;

/// <summary>A named value that travels to an engine (a captured variable, a parameter): its name and fully qualified type.</summary>
internal sealed record ValueSpec(string Name, string Type);
