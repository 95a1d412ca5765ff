using Parallax.Generator.Common;

namespace Parallax.Generator.Threads.Model;

/// <summary>
/// What the parser found for one [Thread]/[Daemon] target: at most one of a method or class spec
/// (none when the target is in error) and the diagnostics, which leave the pipeline on their own branch.
/// </summary>
internal sealed record ThreadTargetSpec(ThreadMethodSpec? Method, ThreadClassSpec? Class, EquatableArray<DiagnosticInfo> Diagnostics);
