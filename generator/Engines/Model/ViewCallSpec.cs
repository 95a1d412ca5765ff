using Parallax.Generator.Common;

namespace Parallax.Generator.Engines.Model;

/// <summary>One intercepted view call (ApplyAsync, ApplySync, MapAsync, MapSync...) and the stub it dispatches to.</summary>
/// <param name="Stub">The code that runs on the engines.</param>
/// <param name="Api">The view method called.</param>
/// <param name="OnDirectView">True for <c>DirectView</c> (one result per target), false for <c>EngineView</c>.</param>
/// <param name="ItemType">Map's item type, or empty.</param>
/// <param name="Location">The call to redirect.</param>
internal sealed record ViewCallSpec(
    StubSpec Stub,
    string Api,
    bool OnDirectView,
    string ItemType,
    InterceptedLocation Location);
