namespace Parallax.Tests.Samples;

/// <summary>
/// First contact: every sample answers --help with its usage and section list, and refuses what it does
/// not know with exit code 2 and that usage, instead of ignoring it and starting a 5000² run.
/// </summary>
public class SampleCommandLineTests
{
    public static TheoryData<string, string[]> Samples => new()
    {
        { "Notebook", ["LocalMatrices", "ParallelClient", "FunctionalThreads", "ClassThreads", "TimerSection", "DaemonSection", "GilExperiment", "NumbaArrSum"] },
        { "Threads", ["FunctionalThreads", "ClassThreads", "TimerSection", "DaemonSection"] },
        { "Gil", [] },
        { "Jit", [] },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Help_prints_usage_and_every_section_and_runs_nothing(string sample, string[] sections)
    {
        var (exitCode, output, error) = SampleProcess.Run(sample, ["--help"]);
        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.StartsWith("Usage: ", output, StringComparison.Ordinal);
        Assert.Contains("--help", output, StringComparison.Ordinal);
        foreach (var section in sections)
        {
            Assert.Contains("  " + section + " ", output, StringComparison.Ordinal);
        }

        // Nothing ran: no section header, no benchmark line.
        Assert.DoesNotContain("## ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cores", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void An_unknown_option_is_an_error_with_the_usage(string sample, string[] sections)
    {
        _ = sections;
        var (exitCode, output, error) = SampleProcess.Run(sample, ["--bogus"]);
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("unknown option '--bogus'", error, StringComparison.Ordinal);
        Assert.Contains("Usage: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Notebook")]
    [InlineData("Threads")]
    public void An_unknown_section_is_an_error_that_lists_the_sections(string sample)
    {
        var (exitCode, output, error) = SampleProcess.Run(sample, ["--section", "Nope"]);
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("--section Nope: no section matches 'Nope'", error, StringComparison.Ordinal);
        Assert.Contains("FunctionalThreads", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Gil", "--reps", "zero")]
    [InlineData("Jit", "-5", null)]
    [InlineData("Jit", "100", "200")]
    public void A_bad_value_or_a_stray_argument_is_an_error(string sample, string first, string? second)
    {
        var (exitCode, output, error) = SampleProcess.Run(sample, second is null ? [first] : [first, second]);
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("Usage: ", error, StringComparison.Ordinal);
    }
}
