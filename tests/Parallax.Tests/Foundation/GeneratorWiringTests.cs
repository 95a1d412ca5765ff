namespace Parallax.Tests.Foundation;

/// <summary>Proves the generator ran on this project the way it runs on a user's.</summary>
public class GeneratorWiringTests
{
    [Jit]
    public static double[] ManifestProbe(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i];
        return r;
    }

    [Fact]
    public void Generator_ran_on_this_project_and_found_the_annotated_method()
    {
        Assert.Contains(Parallax.Generated.ParallaxManifest.Entries,
            e => e is { Capability: "Jit", Type: "Parallax.Tests.Foundation.GeneratorWiringTests", Member: nameof(ManifestProbe) });

        // A direct call is intercepted: the kernel runs (Jit/GeneratedKernelTests checks every [Jit] method has a call site).
        Assert.Equal([1.0, -0.0, double.NaN], ManifestProbe([1.0, -0.0, double.NaN]));
    }
}
