using BenchmarkDotNet.Running;

// Each benchmark class pairs Parallax with its anchor (the scalar loop, TensorPrimitives, OpenBLAS,
// ipyparallel's figure) so that a row is read as a ratio, never as an absolute time.
if (args is ["linalg", ..])
{
    Parallax.Benchmarks.Linalg.LinalgBench.Run(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
