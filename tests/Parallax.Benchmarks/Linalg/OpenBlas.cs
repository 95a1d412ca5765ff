using System.Runtime.InteropServices;

namespace Parallax.Benchmarks.Linalg;

/// <summary>
/// OpenBLAS through P/Invoke of libopenblas.so.0 (Debian: apt-get install libopenblas0-pthread).
/// Debian's build misdetects Zen and AMD server CPUs as "Prescott" and runs ~6x slow unless
/// OPENBLAS_CORETYPE=SkylakeX is in the environment when the library loads, so the benchmark sets
/// it with libc's setenv before the library loads (it only reads the variable then).
/// </summary>
internal static partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111;

    /// <summary>The kernels numpy's anchor (FIGURES.md) ran with; anything else is not the anchor.</summary>
    public const string CoreType = "SkylakeX";

    public static bool TryLoad(out string description)
    {
        // Forced, not defaulted: a shell that exports another core type (this machine's exports Haswell)
        // would silently compare against a slower OpenBLAS than numpy's anchor.
        string? inherited = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE");
        _ = SetEnv("OPENBLAS_CORETYPE", CoreType, 1);

        if (!NativeLibrary.TryLoad(Library, out _))
        {
            description = $"{Library} not found (apt-get update && apt-get install -y libopenblas0-pthread)";
            return false;
        }

        description = $"{Marshal.PtrToStringAnsi(GetConfig())}, core {Marshal.PtrToStringAnsi(GetCoreName())}"
            + (inherited is null or CoreType ? "" : $" (the environment said OPENBLAS_CORETYPE={inherited}; overridden to {CoreType}, the anchor's)");
        return true;
    }

    public static void SetThreads(int threads) => SetNumThreads(threads);

    public static unsafe void Dgemm(int m, int n, int k, double[] a, double[] b, double[] c)
    {
        fixed (double* pa = a, pb = b, pc = c)
        {
            Dgemm(RowMajor, NoTrans, NoTrans, m, n, k, 1.0, pa, k, pb, n, 0.0, pc, n);
        }
    }

    [LibraryImport(Library, EntryPoint = "cblas_dgemm")]
    private static unsafe partial void Dgemm(int order, int transA, int transB, int m, int n, int k,
        double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    private static partial void SetNumThreads(int threads);

    [LibraryImport(Library, EntryPoint = "openblas_get_config")]
    private static partial nint GetConfig();

    [LibraryImport(Library, EntryPoint = "openblas_get_corename")]
    private static partial nint GetCoreName();

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
