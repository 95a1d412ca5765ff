using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.HarnessTests;

public class SnapshotDiffTests
{
    [Fact]
    public void Equal_texts_have_no_diff() => Assert.Null(Snapshot.Diff("a\nb\n", "a\nb\n"));

    [Fact]
    public void Diff_names_the_first_differing_line_and_both_versions()
    {
        var diff = Snapshot.Diff("a\nb\nc\n", "a\nB\nc\n");
        Assert.NotNull(diff);
        Assert.Contains("line 2", diff);
        Assert.Contains("- b", diff);
        Assert.Contains("+ B", diff);
    }
}
