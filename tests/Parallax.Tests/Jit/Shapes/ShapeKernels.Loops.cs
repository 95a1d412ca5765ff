namespace Parallax.Tests.Jit;

/// <summary>while and do loops, break and continue inside the vectorized loop: per-lane masks until every lane is done.</summary>
public static partial class ShapeKernels
{
    [Jit]
    public static void EscapeRadius(double[] cr, double[] ci, int maxIter, double[] radius)
    {
        for (int i = 0; i < cr.Length; i++)
        {
            double zr = 0, zi = 0;
            int k = 0;
            while (k < maxIter && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr[i]; zi = 2 * zr * zi + ci[i]; zr = t; k++; }
            radius[i] = zr * zr + zi * zi;
        }
    }

    [Jit]
    public static void CollatzSteps(int[] x, int limit, int[] steps)
    {
        for (int i = 0; i < x.Length; i++)
        {
            int v = x[i], k = 0;
            while (v != 1 && k < limit)
            {
                v = v % 2 == 0 ? v / 2 : 3 * v + 1;
                k++;
            }

            steps[i] = k;
        }
    }

    [Jit]
    public static void Halvings(double[] x, int[] count)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            int k = 0;
            do
            {
                v *= 0.5;
                k++;
            }
            while (v > 1.0 && k < 100);
            count[i] = k;
        }
    }

    [Jit]
    public static void SmallestFactor(int[] x, int[] factor)
    {
        for (int i = 0; i < x.Length; i++)
        {
            int v = x[i], d = 2, f = v;
            while (d <= 46340 && d * d <= v)
            {
                if (v % d == 0)
                {
                    f = d;
                    break;
                }

                d++;
            }

            factor[i] = f;
        }
    }

    [Jit]
    public static void NonzeroDigitSum(int[] x, int[] sum)
    {
        for (int i = 0; i < x.Length; i++)
        {
            int v = x[i], s = 0;
            while (v != 0)
            {
                int d = v % 10;
                v /= 10;
                if (d == 0) continue;
                s += d;
            }

            sum[i] = s;
        }
    }

    [Jit]
    public static int TotalSteps(double[] x, double limit)
    {
        int total = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            int k = 0;
            while (v < limit && k < 64)
            {
                v = v * 2 + 1;
                k++;
                total++;
            }
        }

        return total;
    }
}
