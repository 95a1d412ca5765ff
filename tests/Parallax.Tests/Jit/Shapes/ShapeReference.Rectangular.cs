namespace Parallax.Tests.Jit;

/// <summary>The scalar twins of <see cref="ShapeKernels"/>' rectangular kernels: the same text without [Jit].</summary>
public static partial class ShapeReference
{
    public static void BlurParallel(double[,] src, double[,] dst)
    {
        int n = src.GetLength(0), m = src.GetLength(1);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                dst[i, j] = (src[i - 1, j] + src[i + 1, j] + src[i, j - 1] + src[i, j + 1]) * 0.25;
    }

    public static void Stencil9(float[,] a, float[,] r)
    {
        int n = a.GetLength(0), m = a.GetLength(1);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                r[i, j] = a[i - 1, j - 1] + 2 * a[i - 1, j] + a[i - 1, j + 1]
                    + 2 * a[i, j - 1] - 12 * a[i, j] + 2 * a[i, j + 1]
                    + a[i + 1, j - 1] + 2 * a[i + 1, j] + a[i + 1, j + 1];
    }

    public static void Shifted(long[,] a, long[,] r)
    {
        int n = a.GetLength(0), m = a.GetLength(1);
        for (int i = 2; i < n; i++)
            for (int j = 0; j < m - 3; j++)
                r[i, j] = a[i - 2, j + 3] - a[i, j];
    }

    public static void Ramp(int[,] r)
    {
        for (int i = 0; i < r.GetLength(0); i++)
            for (int j = 0; j < r.GetLength(1); j++)
                r[i, j] = i * 1000 + j;
    }

    public static void RowScale(double[,] x, double[] w, double[] b, double[,] r)
    {
        for (int i = 0; i < x.GetLength(0); i++)
        {
            double s = w[i];
            for (int j = 0; j < x.GetLength(1); j++)
                r[i, j] = x[i, j] * s + b[j];
        }
    }

    public static float[,] Clip(float[,] x, float lo, float hi)
    {
        var r = new float[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
            {
                if (x[i, j] < lo) r[i, j] = lo;
                else if (x[i, j] > hi) r[i, j] = hi;
                else r[i, j] = x[i, j];
            }

        return r;
    }

    public static long Sum2D(long[,] x)
    {
        long total = 0;
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
                total += x[i, j];
        return total;
    }

    public static int CountAbove(double[,] x, double t)
    {
        int count = 0;
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
                if (x[i, j] > t) count++;
        return count;
    }

    public static int CountAboveParallel(double[,] x, double t)
    {
        int count = 0;
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
                if (x[i, j] > t) count++;
        return count;
    }

    public static double SumPositive(double[,] x)
    {
        double s = 0;
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
                if (x[i, j] > 0) s += x[i, j];
        return s;
    }

    public static long SumInterior(long[,] x)
    {
        long total = 0;
        int n = x.GetLength(0), m = x.GetLength(1);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                total += x[i, j] * (i - j);
        return total;
    }

    public static void Add3D(float[,,] x, float[,,] y, float[,,] r)
    {
        for (int p = 0; p < r.GetLength(0); p++)
            for (int i = 0; i < r.GetLength(1); i++)
                for (int j = 0; j < r.GetLength(2); j++)
                    r[p, i, j] = x[p, i, j] + y[p, i, j];
    }

    public static void Laplace3D(double[,,] a, double[,,] r)
    {
        int l = a.GetLength(0), n = a.GetLength(1), m = a.GetLength(2);
        for (int p = 1; p < l - 1; p++)
            for (int i = 1; i < n - 1; i++)
                for (int j = 1; j < m - 1; j++)
                    r[p, i, j] = a[p - 1, i, j] + a[p + 1, i, j] + a[p, i - 1, j] + a[p, i + 1, j] + a[p, i, j - 1] + a[p, i, j + 1] - 6 * a[p, i, j];
    }

    public static void Checkerboard(int[,] r)
    {
        for (int i = 0; i < r.GetLength(0); i++)
            for (int j = 0; j < r.GetLength(1); j++)
                r[i, j] = (i + j) % 2;
    }
}
