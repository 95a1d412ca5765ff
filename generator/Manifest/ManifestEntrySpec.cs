namespace Parallax.Generator.Manifest;

/// <summary>One annotated method or type as the manifest lists it: values only, so the pipeline caches.</summary>
internal sealed record ManifestEntrySpec(string Capability, string Attribute, string ContainingType, string Member);
