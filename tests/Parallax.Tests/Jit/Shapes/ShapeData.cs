using System.Numerics;

namespace Parallax.Tests.Jit;

/// <summary>Awkward shapes for rectangular arrays and the comparison of a kernel with its scalar twin.</summary>
internal static class ShapeData
{
    /// <summary>
    /// Row counts × column counts: empty, 1×1, 1×N, N×1, primes, and column counts around each vector
    /// width (4, 8, 16, 32, 64 lanes and their unrolled multiples), so a row ends at every offset of a vector.
    /// </summary>
    public static IEnumerable<(int Rows, int Columns)> Shapes2D
    {
        get
        {
            int[] columns = [.. Enumerable.Range(1, 18), 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1031];
            foreach (int m in columns)
            {
                yield return (1, m);
                yield return (3, m);
            }

            foreach (int n in new[] { 2, 5, 17, 64, 257 })
            {
                yield return (n, 1);
            }

            yield return (0, 0);
            yield return (0, 7);
            yield return (7, 0);
            yield return (7, 13);
            yield return (31, 37);
            yield return (97, 101);
            yield return (401, 601);
        }
    }

    /// <summary>Planes × rows × columns for 3-D arrays.</summary>
    public static IEnumerable<(int Planes, int Rows, int Columns)> Shapes3D =>
        [(0, 0, 0), (1, 1, 1), (1, 1, 33), (3, 3, 3), (2, 5, 17), (3, 4, 65), (5, 7, 129), (17, 13, 31), (1, 64, 1)];

    /// <summary>A rectangular array filled row after row from <paramref name="values"/> (n·m values of any kind).</summary>
    public static T[,] Matrix<T>(int n, int m, Func<int, T[]> values)
    {
        var flat = values(n * m);
        var a = new T[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                a[i, j] = flat[i * m + j];
        return a;
    }

    /// <summary>A 3-D array filled in index order from <paramref name="values"/>.</summary>
    public static T[,,] Cube<T>(int l, int n, int m, Func<int, T[]> values)
    {
        var flat = values(l * n * m);
        var a = new T[l, n, m];
        int k = 0;
        for (int p = 0; p < l; p++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++)
                    a[p, i, j] = flat[k++];
        return a;
    }

    /// <summary>Bit-for-bit equality of two rectangular arrays of the same shape (any NaN equals any NaN).</summary>
    public static void Equal<T>(T[,] expected, T[,] actual, string what)
        where T : unmanaged, INumberBase<T>
    {
        Assert.True(expected.GetLength(0) == actual.GetLength(0) && expected.GetLength(1) == actual.GetLength(1), $"{what}: shape");
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                if (!JitTestData.Same(expected[i, j], actual[i, j]))
                    Assert.Fail($"{what}: element [{i}, {j}] of {expected.GetLength(0)}×{expected.GetLength(1)} is {actual[i, j]}, expected {expected[i, j]}");
    }

    /// <inheritdoc cref="Equal{T}(T[,], T[,], string)"/>
    public static void Equal<T>(T[,,] expected, T[,,] actual, string what)
        where T : unmanaged, INumberBase<T>
    {
        for (int d = 0; d < 3; d++)
            Assert.True(expected.GetLength(d) == actual.GetLength(d), $"{what}: dimension {d}");
        for (int p = 0; p < expected.GetLength(0); p++)
            for (int i = 0; i < expected.GetLength(1); i++)
                for (int j = 0; j < expected.GetLength(2); j++)
                    if (!JitTestData.Same(expected[p, i, j], actual[p, i, j]))
                        Assert.Fail($"{what}: element [{p}, {i}, {j}] is {actual[p, i, j]}, expected {expected[p, i, j]}");
    }

    /// <summary>Random ints in [<paramref name="min"/>, <paramref name="max"/>), with the given edge values mixed in one in eight.</summary>
    public static int[] Ints(int n, int seed, int min, int max, params int[] edges)
    {
        var random = new Random(seed);
        var a = new int[n];
        for (int i = 0; i < n; i++)
            a[i] = edges.Length > 0 && random.Next(8) == 0 ? edges[random.Next(edges.Length)] : random.Next(min, max);
        return a;
    }
}
