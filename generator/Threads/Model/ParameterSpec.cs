namespace Parallax.Generator.Threads.Model;

/// <summary>
/// A parameter of a [Thread]/[Daemon] method, copied onto its factory: fully qualified type, name
/// (escaped when a keyword), default value as C# text or null, and whether it is <c>params</c>.
/// </summary>
internal sealed record ParameterSpec(string Type, string Name, string? DefaultValue, bool IsParams);
