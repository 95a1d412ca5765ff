using System.Text;
using Parallax.Tests.Samples;

namespace Parallax.Tests.Threads;

/// <summary>
/// samples/Threads' functional-threads section, run as a program, writes what the seed's prescript
/// cell writes. The seed (Python):
/// <code>
/// def prescript(thefile, num):
///     with open(thefile, 'w') as f:
///         for i in range(num):
///             if num > 500:
///                 f.write('МногоБукв\n')
///             else:
///                 f.write('МалоБукв\n')
/// thread1 = Thread(target=prescript, args=('f1.txt', 200,))
/// thread2 = Thread(target=prescript, args=('f2.txt', 1000,))
/// </code>
/// Python 3 on Linux opens text files as UTF-8 without a byte-order mark and writes '\n' as is.
/// </summary>
public class PrescriptSampleTests
{
    [Fact]
    public void Functional_threads_section_writes_f1_and_f2_as_the_seed_does()
    {
        // The section writes under the temp directory, which TMPDIR moves to a folder of this test's own.
        string temp = Directory.CreateTempSubdirectory("parallax-prescript-").FullName;
        try
        {
            var (exitCode, output, error) = SampleProcess.RunThreads(["--section", "FunctionalThreads"], new Dictionary<string, string> { ["TMPDIR"] = temp });
            Assert.True(exitCode == 0, $"samples/Threads failed ({exitCode}): {output}{error}");
            Assert.Contains("## Functional threads", output);
            Assert.DoesNotContain("## Class-based threads", output);

            string directory = Path.Combine(temp, "parallax-notebook");
            AssertSeedFile(Path.Combine(directory, "f1.txt"), "МалоБукв\n", 200);
            AssertSeedFile(Path.Combine(directory, "f2.txt"), "МногоБукв\n", 1000);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void AssertSeedFile(string path, string line, int count)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.False(bytes is [0xEF, 0xBB, 0xBF, ..], $"{path} starts with a UTF-8 byte-order mark, which Python does not write");
        Assert.Equal(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(string.Concat(Enumerable.Repeat(line, count))), bytes);
    }
}
