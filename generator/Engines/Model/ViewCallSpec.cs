namespace Parallax.Generator.Engines.Model;

/// <summary>One intercepted view call (ApplyAsync, ApplySync, MapAsync, MapSync) and the stub it dispatches to.</summary>
/// <param name="Stub">The code that runs on the engines.</param>
/// <param name="Api">The view method called.</param>
/// <param name="View">The view type, fully qualified: <c>DirectView</c>, <c>EngineView</c> or <c>LoadBalancedView</c>.</param>
/// <param name="RunsEachTask">True for a <c>LoadBalancedView</c> map: the invoker runs each item as its own task (<c>EngineTasks.RunEach</c>).</param>
/// <param name="ItemType">Map's item type, or empty.</param>
/// <param name="ReturnType">The called method's return type, fully qualified, or <c>void</c>: the interceptor's.</param>
/// <param name="Parameters">The called method's parameters, the delegate first: the interceptor's, each passed on by name after the delegate (and Map's items).</param>
/// <param name="Location">The call to redirect.</param>
internal sealed record ViewCallSpec(
    StubSpec Stub,
    string Api,
    string View,
    bool RunsEachTask,
    string ItemType,
    string ReturnType,
    EquatableArray<ValueSpec> Parameters,
    InterceptedLocation Location);
