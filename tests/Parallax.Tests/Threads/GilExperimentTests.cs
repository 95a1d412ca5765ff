using System.Numerics;
using Notebook.Sections;

namespace Parallax.Tests.Threads;

/// <summary>The GIL experiment's product tree, as samples/Gil and the Notebook run it, computes the seed's factorial.</summary>
public class GilExperimentTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(20)]
    [InlineData(1000)]
    [InlineData(20000)]
    public void Product_tree_equals_the_running_product(int n)
    {
        Assert.Equal(GilExperiment.Factorial(n), GilExperiment.FactorialTree(n));
    }

    [Fact]
    public void Running_product_is_the_factorial()
    {
        // The reference the tree is compared with, checked against known values once.
        Assert.Equal(BigInteger.One, GilExperiment.Factorial(0));
        Assert.Equal(new BigInteger(2432902008176640000), GilExperiment.Factorial(20));
        Assert.Equal(BigInteger.Parse("93326215443944152681699238856266700490715968264381621468592963895217599993229915608941463976156518286253697920827223758251185210916864000000000000000000000000"), GilExperiment.Factorial(100));
    }
}
