namespace Parallax.Generator.Engines.Model;

/// <summary>One intercepted view call (Apply, ApplyAsync, ApplySync, Map, MapSync) and the stub it dispatches to.</summary>
/// <param name="Stub">The code that runs on the engines.</param>
/// <param name="Api">The view method called.</param>
/// <param name="OnDirectView">True for <c>DirectView</c> (one result per target), false for <c>EngineView</c>.</param>
/// <param name="ItemType">Map's item type, or empty.</param>
/// <param name="LocationVersion">The interceptable location's version.</param>
/// <param name="LocationData">The interceptable location's encoded data.</param>
/// <param name="DisplayLocation">The call's file and position, for a comment.</param>
internal sealed record CallSiteSpec(
    StubSpec Stub,
    string Api,
    bool OnDirectView,
    string ItemType,
    int LocationVersion,
    string LocationData,
    string DisplayLocation);
