using MemoryPack;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>Large arrays are deserialized into prefaulted memory; the values must be exactly MemoryPack's.</summary>
public class LargeArraysTests
{
    [Fact]
    public void Large_vectors_and_matrices_deserialize_exactly()
    {
        var random = new Random(5);
        var vector = Enumerable.Range(0, 1_000_003).Select(_ => random.NextDouble()).ToArray();
        var matrix = new int[1031, 1029];
        for (var i = 0; i < matrix.GetLength(0); i++)
        {
            for (var j = 0; j < matrix.GetLength(1); j++)
            {
                matrix[i, j] = random.Next();
            }
        }

        Assert.Equal(vector, LargeArrays.Deserialize<double[]>(MemoryPackSerializer.Serialize(vector)));
        Assert.Equal(matrix, LargeArrays.Deserialize<int[,]>(MemoryPackSerializer.Serialize(matrix)));
    }

    [Fact]
    public void Small_empty_null_and_non_primitive_values_take_the_plain_path()
    {
        Assert.Equal([1.0, 2.0], LargeArrays.Deserialize<double[]>(MemoryPackSerializer.Serialize(new[] { 1.0, 2.0 }))!);
        Assert.Empty(LargeArrays.Deserialize<double[]>(MemoryPackSerializer.Serialize(Array.Empty<double>()))!);
        Assert.Null(LargeArrays.Deserialize<double[]>(MemoryPackSerializer.Serialize<double[]?>(null)));
        var words = Enumerable.Range(0, 400_000).Select(i => $"w{i}").ToArray();
        Assert.Equal(words, LargeArrays.Deserialize<string[]>(MemoryPackSerializer.Serialize(words)));
        var empty = new double[0, 700_000];
        Assert.Equal(empty.GetLength(1), LargeArrays.Deserialize<double[,]>(MemoryPackSerializer.Serialize(empty))!.GetLength(1));
    }
}
