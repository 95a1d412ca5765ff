using BenchmarkDotNet.Running;

// Each benchmark class pairs Parallax with its anchor (the scalar loop, TensorPrimitives, OpenBLAS,
// ipyparallel's figure) so that a row is read as a ratio, never as an absolute time.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
