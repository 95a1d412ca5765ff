namespace Parallax.Tests.Jit;

/// <summary>
/// Integer / and % and inlined helpers: each kernel against its scalar twin, bit for bit, on every
/// length of <see cref="JitTestData.Lengths"/>; zero divisors under a mask never throw, unmasked ones
/// throw what the scalar loop throws.
/// </summary>
public class DivisionAndHelperTests
{
    [Fact]
    public void Remainder_by_a_scalar_matches_CSharp_for_every_sign()
    {
        foreach (int m in new[] { 1, 2, 3, 7, -7, 10, int.MaxValue, int.MinValue })
        {
            foreach (int n in JitTestData.Lengths)
            {
                var x = JitTestData.Ints(n, 700 + n);
                if (m == -1) continue;
                var expected = new int[n];
                var actual = new int[n];
                ShapeReference.Mod(x, m, expected);
                ShapeKernels.Mod(x, m, actual);
                JitTestData.BitwiseEqual<int>(expected, actual, $"x % {m}, length {n}");
            }
        }
    }

    [Fact]
    public void Remainder_by_zero_or_minus_one_throws_like_CSharp()
    {
        foreach (int n in new[] { 1, 3, 16, 17, 100, 1000 })
        {
            var x = JitTestData.Ints(n, 710 + n);
            Assert.Throws<DivideByZeroException>(() => ShapeReference.Mod(x, 0, new int[n]));
            Assert.Throws<DivideByZeroException>(() => ShapeKernels.Mod(x, 0, new int[n]));

            x[n / 2] = int.MinValue;
            Assert.Throws<OverflowException>(() => ShapeReference.Mod(x, -1, new int[n]));
            Assert.Throws<OverflowException>(() => ShapeKernels.Mod(x, -1, new int[n]));
        }

        // A loop that does not run divides by nothing.
        ShapeKernels.Mod([], 0, []);
    }

    [Fact]
    public void A_zero_divisor_under_an_if_is_never_divided_by()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Ints(n, 720 + n);
            var y = ShapeData.Ints(n, 721 + n, -50, 50, 0, -1, 1, int.MinValue, int.MaxValue);
            var expected = new int[n];
            var actual = new int[n];
            if (Enumerable.Range(0, n).Any(i => x[i] == int.MinValue && y[i] == -1))
            {
                // MinValue / -1 is not masked off: both throw.
                Assert.Throws<OverflowException>(() => ShapeReference.SafeDivide(x, y, expected));
                Assert.Throws<OverflowException>(() => ShapeKernels.SafeDivide(x, y, actual));
                continue;
            }

            ShapeReference.SafeDivide(x, y, expected);
            ShapeKernels.SafeDivide(x, y, actual);
            JitTestData.BitwiseEqual<int>(expected, actual, $"SafeDivide, length {n}");
        }
    }

    [Fact]
    public void Per_element_division_matches_and_throws_what_the_scalar_loop_throws()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Ints(n, 730 + n);
            var y = ShapeData.Ints(n, 731 + n, 1, 1000);
            for (int i = 0; i < n; i++)
            {
                if (i % 3 == 1) y[i] = -y[i];
                if (x[i] == int.MinValue) x[i]++;
            }

            var expected = new int[n];
            var actual = new int[n];
            ShapeReference.Divide(x, y, expected);
            ShapeKernels.Divide(x, y, actual);
            JitTestData.BitwiseEqual<int>(expected, actual, $"Divide, length {n}");

            if (n > 0)
            {
                var zero = (int[])y.Clone();
                zero[n * 2 / 3] = 0;
                Assert.Throws<DivideByZeroException>(() => ShapeReference.Divide(x, zero, new int[n]));
                Assert.Throws<DivideByZeroException>(() => ShapeKernels.Divide(x, zero, new int[n]));

                var overflow = (int[])y.Clone();
                var minimum = (int[])x.Clone();
                overflow[n / 3] = -1;
                minimum[n / 3] = int.MinValue;
                Assert.Throws<OverflowException>(() => ShapeReference.Divide(minimum, overflow, new int[n]));
                Assert.Throws<OverflowException>(() => ShapeKernels.Divide(minimum, overflow, new int[n]));
            }
        }
    }

    [Fact]
    public void Unsigned_quotient_and_remainder_cover_the_full_range()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Integers<uint>(n, 740 + n);
            var y = JitTestData.Integers<uint>(n, 741 + n);
            for (int i = 0; i < n; i++)
            {
                if (y[i] == 0) y[i] = (uint)(i % 5 + 1);
            }

            uint[] q1 = new uint[n], r1 = new uint[n], q2 = new uint[n], r2 = new uint[n];
            ShapeReference.UnsignedDivMod(x, y, q1, r1);
            ShapeKernels.UnsignedDivMod(x, y, q2, r2);
            JitTestData.BitwiseEqual<uint>(q1, q2, $"uint /, length {n}");
            JitTestData.BitwiseEqual<uint>(r1, r2, $"uint %, length {n}");
        }

        Assert.Throws<DivideByZeroException>(() => ShapeKernels.UnsignedDivMod(new uint[40], new uint[40], new uint[40], new uint[40]));
    }

    [Fact]
    public void A_byte_remainder_runs_at_int_width_and_narrows_back()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Integers<byte>(n, 750 + n);
            var expected = new byte[n];
            var actual = new byte[n];
            ShapeReference.ByteMod(x, expected);
            ShapeKernels.ByteMod(x, actual);
            JitTestData.BitwiseEqual<byte>(expected, actual, $"ByteMod, length {n}");
        }
    }

    [Fact]
    public void Inlined_helpers_give_the_helpers_bits()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 760 + n);
            var y = JitTestData.Doubles(n, 761 + n);
            var expected = new double[n];
            var actual = new double[n];
            ShapeReference.Norms(x, y, expected);
            ShapeKernels.Norms(x, y, actual);
            JitTestData.BitwiseEqual<double>(expected, actual, $"Norms, length {n}");

            var levels = ShapeData.Ints(n, 762 + n, -2000, 2000, int.MinValue, int.MaxValue, -1, 0, 1023, 1024);
            var expectedLevels = new byte[n];
            var actualLevels = new byte[n];
            ShapeReference.Levels(levels, expectedLevels);
            ShapeKernels.Levels(levels, actualLevels);
            JitTestData.BitwiseEqual<byte>(expectedLevels, actualLevels, $"Levels, length {n}");
        }
    }
}
