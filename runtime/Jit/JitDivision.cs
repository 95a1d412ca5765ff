using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Parallax.CompilerServices;

/// <summary>
/// Integer <c>/</c> and <c>%</c> per lane, exactly as C# computes them, for kernels generated from loops
/// that divide. No x86 or Arm instruction divides integer vectors; these divide in double lanes, which
/// is exact for 32-bit operands: a double holds every int and uint, and when <c>a / b</c> is not an
/// integer it lies at least <c>1/|b|</c> from one, while rounding the double quotient moves it by at
/// most <c>|a / b| · 2⁻⁵³ &lt; 2³² / |b| · 2⁻⁵³</c>, far less; so truncating the double quotient gives
/// C#'s truncated quotient, and <c>a - (a / b) * b</c> (wrapping) its remainder, sign of the dividend.
/// 64-bit operands have no such exact path, and the generator rejects them (PAR1005).
/// Lanes outside <c>active</c> (an <c>if</c>, a finished <c>while</c>) are not checked and their results
/// are unspecified. Called by generated code only.
/// </summary>
/// <remarks>
/// Like C#, a zero divisor throws <see cref="DivideByZeroException"/> and <c>int.MinValue / -1</c> (and
/// <c>% -1</c>) throws <see cref="OverflowException"/>, with the default messages; of several offending
/// lanes the lowest decides, the element the scalar loop meets first.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitDivision
{
    /// <summary><c>x / y</c> per lane, C#'s truncated quotient.</summary>
    /// <param name="x">Dividends.</param>
    /// <param name="y">Divisors.</param>
    /// <param name="active">Lanes that divide (all bits set) and lanes that do not (zero).</param>
    /// <returns>The quotients in active lanes.</returns>
    /// <exception cref="DivideByZeroException">An active lane's divisor is 0.</exception>
    /// <exception cref="OverflowException">An active lane divides <see cref="int.MinValue"/> by -1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Divide(Vector512<int> x, Vector512<int> y, Vector512<int> active) => Quotient(x, Checked(x, y, active));

    /// <summary><c>x % y</c> per lane, C#'s remainder (the sign of the dividend).</summary>
    /// <inheritdoc cref="Divide(Vector512{int}, Vector512{int}, Vector512{int})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Remainder(Vector512<int> x, Vector512<int> y, Vector512<int> active)
    {
        y = Checked(x, y, active);
        return x - Quotient(x, y) * y;
    }

    /// <inheritdoc cref="Divide(Vector512{int}, Vector512{int}, Vector512{int})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Divide(Vector256<int> x, Vector256<int> y, Vector256<int> active) => Quotient(x, Checked(x, y, active));

    /// <inheritdoc cref="Remainder(Vector512{int}, Vector512{int}, Vector512{int})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Remainder(Vector256<int> x, Vector256<int> y, Vector256<int> active)
    {
        y = Checked(x, y, active);
        return x - Quotient(x, y) * y;
    }

    /// <inheritdoc cref="Divide(Vector512{int}, Vector512{int}, Vector512{int})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Divide(Vector128<int> x, Vector128<int> y, Vector128<int> active) => Quotient(x, Checked(x, y, active));

    /// <inheritdoc cref="Remainder(Vector512{int}, Vector512{int}, Vector512{int})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Remainder(Vector128<int> x, Vector128<int> y, Vector128<int> active)
    {
        y = Checked(x, y, active);
        return x - Quotient(x, y) * y;
    }

    /// <summary><c>x / y</c> per lane for unsigned integers.</summary>
    /// <param name="x">Dividends.</param>
    /// <param name="y">Divisors.</param>
    /// <param name="active">Lanes that divide (all bits set) and lanes that do not (zero).</param>
    /// <returns>The quotients in active lanes.</returns>
    /// <exception cref="DivideByZeroException">An active lane's divisor is 0.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Divide(Vector512<uint> x, Vector512<uint> y, Vector512<uint> active) => Quotient(x, Checked(y, active));

    /// <summary><c>x % y</c> per lane for unsigned integers.</summary>
    /// <inheritdoc cref="Divide(Vector512{uint}, Vector512{uint}, Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Remainder(Vector512<uint> x, Vector512<uint> y, Vector512<uint> active)
    {
        y = Checked(y, active);
        return x - Quotient(x, y) * y;
    }

    /// <inheritdoc cref="Divide(Vector512{uint}, Vector512{uint}, Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Divide(Vector256<uint> x, Vector256<uint> y, Vector256<uint> active) => Quotient(x, Checked(y, active));

    /// <inheritdoc cref="Remainder(Vector512{uint}, Vector512{uint}, Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Remainder(Vector256<uint> x, Vector256<uint> y, Vector256<uint> active)
    {
        y = Checked(y, active);
        return x - Quotient(x, y) * y;
    }

    /// <inheritdoc cref="Divide(Vector512{uint}, Vector512{uint}, Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Divide(Vector128<uint> x, Vector128<uint> y, Vector128<uint> active) => Quotient(x, Checked(y, active));

    /// <inheritdoc cref="Remainder(Vector512{uint}, Vector512{uint}, Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Remainder(Vector128<uint> x, Vector128<uint> y, Vector128<uint> active)
    {
        y = Checked(y, active);
        return x - Quotient(x, y) * y;
    }

    // ---- checks: throw for an offending active lane, and give inactive lanes the divisor 1 ----
    // x == MinValue && y == -1 is tested as ((x ^ MinValue) | ~y) == 0: .NET 10's JIT folds
    // Equals(y, AllBitsSet) for a constant y that is not a mask (x / 4) as if y were one, and the
    // overflow test then fires for x == MinValue alone (JitDivisionTests covers a constant divisor).

    private static Vector512<int> Checked(Vector512<int> x, Vector512<int> y, Vector512<int> active)
    {
        var zero = Vector512.Equals(y, Vector512<int>.Zero) & active;
        var overflow = Vector512.Equals((x ^ Vector512.Create(int.MinValue)) | ~y, Vector512<int>.Zero) & active;
        if ((zero | overflow) != Vector512<int>.Zero)
        {
            Throw(zero.ExtractMostSignificantBits(), overflow.ExtractMostSignificantBits());
        }

        return Vector512.ConditionalSelect(active, y, Vector512<int>.One);
    }

    private static Vector256<int> Checked(Vector256<int> x, Vector256<int> y, Vector256<int> active)
    {
        var zero = Vector256.Equals(y, Vector256<int>.Zero) & active;
        var overflow = Vector256.Equals((x ^ Vector256.Create(int.MinValue)) | ~y, Vector256<int>.Zero) & active;
        if ((zero | overflow) != Vector256<int>.Zero)
        {
            Throw(zero.ExtractMostSignificantBits(), overflow.ExtractMostSignificantBits());
        }

        return Vector256.ConditionalSelect(active, y, Vector256<int>.One);
    }

    private static Vector128<int> Checked(Vector128<int> x, Vector128<int> y, Vector128<int> active)
    {
        var zero = Vector128.Equals(y, Vector128<int>.Zero) & active;
        var overflow = Vector128.Equals((x ^ Vector128.Create(int.MinValue)) | ~y, Vector128<int>.Zero) & active;
        if ((zero | overflow) != Vector128<int>.Zero)
        {
            Throw(zero.ExtractMostSignificantBits(), overflow.ExtractMostSignificantBits());
        }

        return Vector128.ConditionalSelect(active, y, Vector128<int>.One);
    }

    private static Vector512<uint> Checked(Vector512<uint> y, Vector512<uint> active)
    {
        var zero = Vector512.Equals(y, Vector512<uint>.Zero) & active;
        if (zero != Vector512<uint>.Zero)
        {
            Throw(zero.ExtractMostSignificantBits(), 0);
        }

        return Vector512.ConditionalSelect(active, y, Vector512<uint>.One);
    }

    private static Vector256<uint> Checked(Vector256<uint> y, Vector256<uint> active)
    {
        var zero = Vector256.Equals(y, Vector256<uint>.Zero) & active;
        if (zero != Vector256<uint>.Zero)
        {
            Throw(zero.ExtractMostSignificantBits(), 0);
        }

        return Vector256.ConditionalSelect(active, y, Vector256<uint>.One);
    }

    private static Vector128<uint> Checked(Vector128<uint> y, Vector128<uint> active)
    {
        var zero = Vector128.Equals(y, Vector128<uint>.Zero) & active;
        if (zero != Vector128<uint>.Zero)
        {
            Throw(zero.ExtractMostSignificantBits(), 0);
        }

        return Vector128.ConditionalSelect(active, y, Vector128<uint>.One);
    }

    /// <summary>The lowest offending lane decides which exception, as the scalar loop meets it first.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(ulong zeroLanes, ulong overflowLanes)
    {
        int zero = zeroLanes == 0 ? 64 : BitOperations.TrailingZeroCount(zeroLanes);
        int overflow = overflowLanes == 0 ? 64 : BitOperations.TrailingZeroCount(overflowLanes);
        if (zero < overflow)
        {
            throw new DivideByZeroException();
        }

        throw new OverflowException();
    }

    // ---- quotients in double lanes (divisors checked: no zero, no MinValue / -1) ----

    private static Vector512<int> Quotient(Vector512<int> x, Vector512<int> y)
    {
        if (Avx512F.IsSupported)
        {
            // vcvtdq2pd / vcvttpd2dq convert 8 ints at a time, without widening to long first.
            var lower = Avx512F.ConvertToVector256Int32WithTruncation(Avx512F.ConvertToVector512Double(x.GetLower()) / Avx512F.ConvertToVector512Double(y.GetLower()));
            var upper = Avx512F.ConvertToVector256Int32WithTruncation(Avx512F.ConvertToVector512Double(x.GetUpper()) / Avx512F.ConvertToVector512Double(y.GetUpper()));
            return Vector512.Create(lower, upper);
        }

        var (xl, xu) = Vector512.Widen(x);
        var (yl, yu) = Vector512.Widen(y);
        return Vector512.Narrow(
            Vector512.ConvertToInt64(Vector512.ConvertToDouble(xl) / Vector512.ConvertToDouble(yl)),
            Vector512.ConvertToInt64(Vector512.ConvertToDouble(xu) / Vector512.ConvertToDouble(yu)));
    }

    private static Vector256<int> Quotient(Vector256<int> x, Vector256<int> y)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.ConvertToVector256Int32WithTruncation(Avx512F.ConvertToVector512Double(x) / Avx512F.ConvertToVector512Double(y));
        }

        if (Avx.IsSupported)
        {
            var lower = Avx.ConvertToVector128Int32WithTruncation(Avx.ConvertToVector256Double(x.GetLower()) / Avx.ConvertToVector256Double(y.GetLower()));
            var upper = Avx.ConvertToVector128Int32WithTruncation(Avx.ConvertToVector256Double(x.GetUpper()) / Avx.ConvertToVector256Double(y.GetUpper()));
            return Vector256.Create(lower, upper);
        }

        var (xl, xu) = Vector256.Widen(x);
        var (yl, yu) = Vector256.Widen(y);
        return Vector256.Narrow(
            Vector256.ConvertToInt64(Vector256.ConvertToDouble(xl) / Vector256.ConvertToDouble(yl)),
            Vector256.ConvertToInt64(Vector256.ConvertToDouble(xu) / Vector256.ConvertToDouble(yu)));
    }

    private static Vector128<int> Quotient(Vector128<int> x, Vector128<int> y)
    {
        if (Avx.IsSupported)
        {
            return Avx.ConvertToVector128Int32WithTruncation(Avx.ConvertToVector256Double(x) / Avx.ConvertToVector256Double(y));
        }

        var (xl, xu) = Vector128.Widen(x);
        var (yl, yu) = Vector128.Widen(y);
        return Vector128.Narrow(
            Vector128.ConvertToInt64(Vector128.ConvertToDouble(xl) / Vector128.ConvertToDouble(yl)),
            Vector128.ConvertToInt64(Vector128.ConvertToDouble(xu) / Vector128.ConvertToDouble(yu)));
    }

    private static Vector512<uint> Quotient(Vector512<uint> x, Vector512<uint> y)
    {
        if (Avx512F.IsSupported)
        {
            var lower = Avx512F.ConvertToVector256UInt32WithTruncation(Avx512F.ConvertToVector512Double(x.GetLower()) / Avx512F.ConvertToVector512Double(y.GetLower()));
            var upper = Avx512F.ConvertToVector256UInt32WithTruncation(Avx512F.ConvertToVector512Double(x.GetUpper()) / Avx512F.ConvertToVector512Double(y.GetUpper()));
            return Vector512.Create(lower, upper);
        }

        var (xl, xu) = Vector512.Widen(x);
        var (yl, yu) = Vector512.Widen(y);
        return Vector512.Narrow(
            Vector512.ConvertToUInt64(Vector512.ConvertToDouble(xl) / Vector512.ConvertToDouble(yl)),
            Vector512.ConvertToUInt64(Vector512.ConvertToDouble(xu) / Vector512.ConvertToDouble(yu)));
    }

    private static Vector256<uint> Quotient(Vector256<uint> x, Vector256<uint> y)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.ConvertToVector256UInt32WithTruncation(Avx512F.ConvertToVector512Double(x) / Avx512F.ConvertToVector512Double(y));
        }

        var (xl, xu) = Vector256.Widen(x);
        var (yl, yu) = Vector256.Widen(y);
        return Vector256.Narrow(
            Vector256.ConvertToUInt64(Vector256.ConvertToDouble(xl) / Vector256.ConvertToDouble(yl)),
            Vector256.ConvertToUInt64(Vector256.ConvertToDouble(xu) / Vector256.ConvertToDouble(yu)));
    }

    private static Vector128<uint> Quotient(Vector128<uint> x, Vector128<uint> y)
    {
        var (xl, xu) = Vector128.Widen(x);
        var (yl, yu) = Vector128.Widen(y);
        return Vector128.Narrow(
            Vector128.ConvertToUInt64(Vector128.ConvertToDouble(xl) / Vector128.ConvertToDouble(yl)),
            Vector128.ConvertToUInt64(Vector128.ConvertToDouble(xu) / Vector128.ConvertToDouble(yu)));
    }
}
