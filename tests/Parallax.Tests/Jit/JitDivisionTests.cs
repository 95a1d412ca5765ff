using System.Runtime.Intrinsics;
using Parallax.CompilerServices;

namespace Parallax.Tests.Jit;

/// <summary>
/// <see cref="JitDivision"/> against C#'s own / and % lane by lane, at every width, on random and edge
/// operands (0, ±1, MinValue, MaxValue), with masks; the exception of the lowest offending active lane.
/// Run again without AVX-512, AVX2 and intrinsics by <see cref="InstructionSetTests"/>, which exercises
/// each of the helper's conversion paths.
/// </summary>
public class JitDivisionTests
{
    private const int Rounds = 4000;

    [Fact]
    public void Int_quotients_and_remainders_match_CSharp_in_active_lanes_at_every_width()
    {
        Check<int>(16, (x, y, m) => Lanes(JitDivision.Divide(Vector512.Create(x), Vector512.Create(y), Vector512.Create(m))), (x, y, m) => Lanes(JitDivision.Remainder(Vector512.Create(x), Vector512.Create(y), Vector512.Create(m))), (a, b) => a / b, (a, b) => a % b);
        Check<int>(8, (x, y, m) => Lanes(JitDivision.Divide(Vector256.Create(x), Vector256.Create(y), Vector256.Create(m))), (x, y, m) => Lanes(JitDivision.Remainder(Vector256.Create(x), Vector256.Create(y), Vector256.Create(m))), (a, b) => a / b, (a, b) => a % b);
        Check<int>(4, (x, y, m) => Lanes(JitDivision.Divide(Vector128.Create(x), Vector128.Create(y), Vector128.Create(m))), (x, y, m) => Lanes(JitDivision.Remainder(Vector128.Create(x), Vector128.Create(y), Vector128.Create(m))), (a, b) => a / b, (a, b) => a % b);
    }

    [Fact]
    public void Uint_quotients_and_remainders_match_CSharp_in_active_lanes_at_every_width()
    {
        Check<uint>(16, (x, y, m) => Lanes(JitDivision.Divide(Vector512.Create(x), Vector512.Create(y), Vector512.Create(m))), (x, y, m) => Lanes(JitDivision.Remainder(Vector512.Create(x), Vector512.Create(y), Vector512.Create(m))), (a, b) => a / b, (a, b) => a % b);
        Check<uint>(8, (x, y, m) => Lanes(JitDivision.Divide(Vector256.Create(x), Vector256.Create(y), Vector256.Create(m))), (x, y, m) => Lanes(JitDivision.Remainder(Vector256.Create(x), Vector256.Create(y), Vector256.Create(m))), (a, b) => a / b, (a, b) => a % b);
        Check<uint>(4, (x, y, m) => Lanes(JitDivision.Divide(Vector128.Create(x), Vector128.Create(y), Vector128.Create(m))), (x, y, m) => Lanes(JitDivision.Remainder(Vector128.Create(x), Vector128.Create(y), Vector128.Create(m))), (a, b) => a / b, (a, b) => a % b);
    }

    [Fact]
    public void The_lowest_offending_active_lane_decides_the_exception()
    {
        var x = new int[16];
        var y = Enumerable.Repeat(3, 16).ToArray();
        var all = Enumerable.Repeat(-1, 16).ToArray();

        // Lane 2 divides MinValue by -1, lane 5 by zero: the scalar loop meets the overflow first.
        x[2] = int.MinValue;
        y[2] = -1;
        y[5] = 0;
        Assert.Throws<OverflowException>(() => JitDivision.Divide(Vector512.Create(x), Vector512.Create(y), Vector512.Create(all)));
        Assert.Throws<OverflowException>(() => JitDivision.Remainder(Vector256.Create(x), Vector256.Create(y), Vector256.Create(all)));

        // With lane 2 masked off (an if that skips it), the zero in lane 5 throws.
        var mask = (int[])all.Clone();
        mask[2] = 0;
        var e = Assert.Throws<DivideByZeroException>(() => JitDivision.Divide(Vector512.Create(x), Vector512.Create(y), Vector512.Create(mask)));
        Assert.Equal(new DivideByZeroException().Message, e.Message);

        // Both masked off: nothing throws, the active lanes are right.
        mask[5] = 0;
        var q = Lanes(JitDivision.Divide(Vector512.Create(x), Vector512.Create(y), Vector512.Create(mask)));
        Assert.Equal(0, q[0]);

        // Only lanes 0..3 of a 128-bit vector exist: the zero in lane 5 is not in it.
        Assert.Throws<OverflowException>(() => JitDivision.Divide(Vector128.Create(x), Vector128.Create(y), Vector128.Create(all)));
        Assert.Throws<DivideByZeroException>(() => JitDivision.Remainder(Vector128.Create(new uint[] { 1, 2, 3, 4 }), Vector128.Create(new uint[] { 1, 1, 0, 1 }), Vector128<uint>.AllBitsSet));
    }

    [Fact]
    public void A_constant_divisor_beside_MinValue_neither_overflows_nor_misdivides()
    {
        // The JIT folds a constant divisor into the checks; .NET 10 once folded Equals(4, AllBitsSet)
        // as if 4 were a mask, so MinValue / 4 threw OverflowException (JitDivision works around it).
        var x = Enumerable.Range(0, 16).Select(i => i * 100_003 - 800_000).ToArray();
        x[5] = int.MinValue;
        x[6] = int.MaxValue;
        Assert.Equal(x.Select(v => v / 4), ByFour512(x));
        Assert.Equal(x.Take(8).Select(v => v / 4), ByFour256(x));
        Assert.Equal(new int[4], ByMinusOne128(x.Skip(6).Take(4).ToArray()));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int[] ByFour512(int[] x) => Lanes(JitDivision.Divide(Vector512.Create(x), Vector512.Create(4), Vector512<int>.AllBitsSet));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int[] ByFour256(int[] x) => Lanes(JitDivision.Divide(Vector256.Create(x), Vector256.Create(4), Vector256<int>.AllBitsSet));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int[] ByMinusOne128(int[] x) => Lanes(JitDivision.Remainder(Vector128.Create(x), Vector128.Create(-1), Vector128<int>.AllBitsSet));

    private static T[] Lanes<T>(Vector512<T> v) { var a = new T[Vector512<T>.Count]; v.CopyTo(a); return a; }

    private static T[] Lanes<T>(Vector256<T> v) { var a = new T[Vector256<T>.Count]; v.CopyTo(a); return a; }

    private static T[] Lanes<T>(Vector128<T> v) { var a = new T[Vector128<T>.Count]; v.CopyTo(a); return a; }

    private delegate T[] VectorOp<T>(T[] x, T[] y, T[] mask);

    private static void Check<T>(int lanes, VectorOp<T> divide, VectorOp<T> remainder, Func<T, T, T> scalarDivide, Func<T, T, T> scalarRemainder)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>, System.Numerics.IMinMaxValue<T>
    {
        var random = new Random(lanes * 7 + typeof(T).Name.Length);
        T[] edges = [T.Zero, T.One, T.AllBitsSet, T.MinValue, T.MaxValue, T.MaxValue - T.One, T.MinValue + T.One, T.CreateTruncating(2), T.CreateTruncating(3), T.CreateTruncating(-2)];
        for (int round = 0; round < Rounds; round++)
        {
            var x = JitTestData.Integers<T>(lanes, random.Next());
            var y = JitTestData.Integers<T>(lanes, random.Next());
            var mask = new T[lanes];
            for (int l = 0; l < lanes; l++)
            {
                if (random.Next(3) == 0) x[l] = edges[random.Next(edges.Length)];
                if (random.Next(3) == 0) y[l] = edges[random.Next(edges.Length)];
                if (round % 2 == 1 && random.Next(4) == 0) y[l] = T.CreateTruncating(random.Next(1, 100)) * (random.Next(2) == 0 ? T.One : T.AllBitsSet);
                mask[l] = round % 3 == 0 || random.Next(4) != 0 ? T.AllBitsSet : T.Zero;
            }

            Compare("/", x, y, mask, divide, scalarDivide);
            Compare("%", x, y, mask, remainder, scalarRemainder);
        }
    }

    private static void Compare<T>(string op, T[] x, T[] y, T[] mask, VectorOp<T> vector, Func<T, T, T> scalar)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        // What the scalar loop over the active lanes does: the first throwing lane's exception, or every result.
        Type? expectedException = null;
        var expected = new T[x.Length];
        for (int l = 0; l < x.Length && expectedException is null; l++)
        {
            if (mask[l] == T.Zero) continue;
            try
            {
                expected[l] = scalar(x[l], y[l]);
            }
            catch (ArithmeticException e)
            {
                expectedException = e.GetType();
            }
        }

        string what = $"{typeof(T).Name} {op} over {x.Length} lanes, x = [{string.Join(", ", x)}], y = [{string.Join(", ", y)}], mask = [{string.Join(", ", mask)}]";
        if (expectedException is not null)
        {
            var e = Assert.ThrowsAny<ArithmeticException>(() => vector(x, y, mask));
            Assert.True(e.GetType() == expectedException, $"{what}: threw {e.GetType().Name}, expected {expectedException.Name}");
            return;
        }

        var actual = vector(x, y, mask);
        for (int l = 0; l < x.Length; l++)
        {
            if (mask[l] != T.Zero && actual[l] != expected[l])
            {
                Assert.Fail($"{what}: lane {l} is {actual[l]}, expected {expected[l]}");
            }
        }
    }
}
