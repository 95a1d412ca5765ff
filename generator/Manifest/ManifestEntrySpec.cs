using System;

namespace Parallax.Generator.Manifest;

/// <summary>One annotated method or type as the manifest lists it: values only, so the pipeline caches.</summary>
internal sealed record ManifestEntrySpec(string Capability, string Attribute, string ContainingType, string Member)
    : IComparable<ManifestEntrySpec>
{
    public int CompareTo(ManifestEntrySpec? other)
    {
        if (other is null)
        {
            return 1;
        }

        int c = string.CompareOrdinal(Capability, other.Capability);
        if (c == 0)
        {
            c = string.CompareOrdinal(ContainingType, other.ContainingType);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(Member, other.Member);
        }

        return c == 0 ? string.CompareOrdinal(Attribute, other.Attribute) : c;
    }
}
