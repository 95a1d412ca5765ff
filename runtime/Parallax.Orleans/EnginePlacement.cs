using System.Globalization;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Parallax.Engines.Silos;

/// <summary>
/// Places engine grain <c>id</c> on the silo named <c>engine-{id}</c> and nowhere else. An engine's
/// namespace lives in its silo's process: placing the grain on another silo after that one died would
/// give the engine id an empty namespace that no one asked for, so the director refuses instead, and
/// the engine is down until a silo of that name joins again.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("parallax.engine-placement")]
internal sealed class EnginePlacement : PlacementStrategy
{
    /// <summary>The name prefix of engine silos.</summary>
    public const string SiloPrefix = "engine-";

    internal static EnginePlacement Instance { get; } = new();

    /// <summary>The silo name (<c>SiloOptions.SiloName</c>) of the silo that hosts engine <paramref name="engineId"/>.</summary>
    public static string SiloName(int engineId) => SiloPrefix + engineId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The engine id a silo name stands for, or null for a silo that hosts no engine.</summary>
    public static int? EngineIdOf(string? siloName) =>
        siloName is not null && siloName.StartsWith(SiloPrefix, StringComparison.Ordinal)
        && int.TryParse(siloName.AsSpan(SiloPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;
}

/// <summary>Gives a grain class <see cref="EnginePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class EnginePlacementAttribute() : PlacementAttribute(EnginePlacement.Instance);

/// <summary>Finds the live silo named for the grain's engine id among the silos that can host it.</summary>
internal sealed class EnginePlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var engineId = target.GrainIdentity.GetIntegerKey();
        var name = EnginePlacement.SiloName(checked((int)engineId));
        var members = membership.CurrentSnapshot.Members;
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (members.TryGetValue(silo, out var member) && member.Status == SiloStatus.Active && member.Name == name)
            {
                return Task.FromResult(silo);
            }
        }

        throw new SiloUnavailableException(
            $"Engine {engineId} is not running: no live silo is named '{name}'. Its grain is never placed on another silo (that would give it an empty namespace); " +
            $"start the silo again (parallax silo start) and it rejoins under the same id.");
    }
}
