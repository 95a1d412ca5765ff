namespace Parallax;

/// <summary>Whether a GEMM operand is used as stored or transposed (BLAS's <c>CblasNoTrans</c> / <c>CblasTrans</c>).</summary>
public enum Transpose
{
    /// <summary>Use the matrix as stored: op(A) = A.</summary>
    None = 0,

    /// <summary>Use the transpose of the stored matrix: op(A) = Aᵀ. No copy is made; packing reads it transposed.</summary>
    Transposed = 1,
}
