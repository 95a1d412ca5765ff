using BenchmarkDotNet.Running;

// Each benchmark class pairs Parallax with its anchor (the scalar loop, TensorPrimitives, OpenBLAS,
// ipyparallel's figure) so that a row is read as a ratio, never as an absolute time.
// `engines` runs the multi-process figures, which BenchmarkDotNet's per-process harness does not fit;
// `standing` the parallax tool's standing clusters and connected clients next to ipcluster;
// `soak` is the engines' hour of mixed calls and injected faults (Engines/Soak.cs), outside CI;
// `generator` builds a generated 600-file library and prints each source generator's share of its compile.
if (args is ["linalg", ..])
{
    Parallax.Benchmarks.Linalg.LinalgBench.Run(args[1..]);
    return;
}

if (args is ["generator", ..])
{
    Environment.ExitCode = Parallax.Benchmarks.Generator.GeneratorBench.Run(args[1..]);
    return;
}

if (args is ["engines", "farm-cold-child", var warmUp])
{
    Parallax.Benchmarks.Engines.FarmBench.ColdChildAsync(warmUp == "on").GetAwaiter().GetResult();
    return;
}

if (args is ["engines", "farm", ..])
{
    Parallax.Benchmarks.Engines.FarmBench.RunAsync(args[2..]).GetAwaiter().GetResult();
    return;
}

if (args is ["freshmem", ..])
{
    Parallax.Benchmarks.Memory.FreshMemoryBench.Run(args[1..]);
    return;
}

if (args is ["jit-shapes", ..])
{
    Parallax.Benchmarks.Jit.ShapesBench.Run(args[1..]);
    return;
}

if (args is ["engine-threads", ..])
{
    Parallax.Benchmarks.Engines.EngineThreadsBench.RunAsync(args[1..]).GetAwaiter().GetResult();
    return;
}

if (args is ["seed-flow", ..])
{
    Parallax.Benchmarks.Engines.SeedFlowBench.Run(args[1..]);
    return;
}

if (args is [Parallax.Benchmarks.Engines.SeedFlowBench.ChildVerb, ..])
{
    Parallax.Benchmarks.Engines.SeedFlowBench.ChildAsync(args[1..]).GetAwaiter().GetResult();
    return;
}

if (args is ["soak", ..])
{
    Parallax.Benchmarks.Engines.Soak.RunAsync(args[1..]).GetAwaiter().GetResult();
    return;
}

if (args is [Parallax.Benchmarks.Engines.SiloColdBench.ChildVerb, ..])
{
    Parallax.Benchmarks.Engines.SiloColdBench.ChildAsync(args[1..]).GetAwaiter().GetResult();
    return;
}

if (args is ["engines-orleans", ..])
{
    Parallax.Benchmarks.Engines.SiloBench.RunAsync(args[1..]).GetAwaiter().GetResult();
    return;
}

if (args is ["standing", ..])
{
    Parallax.Benchmarks.Engines.StandingBench.RunAsync(args[1..]).GetAwaiter().GetResult();
    return;
}

if (args.Length > 0 && args[0] == "engines")
{
    Parallax.Benchmarks.Engines.EnginesBench.RunAsync(args[1..]).GetAwaiter().GetResult();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
