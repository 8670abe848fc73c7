using Lop.Samples.Scenes;

namespace Lop.Core.Tests.Sample;

public class SceneGeneratorTests
{
    [Fact]
    public void Same_seed_gives_the_same_specs_and_different_seeds_differ()
    {
        Assert.Equal(SceneGenerator.Generate(100, 1), SceneGenerator.Generate(100, 1));
        Assert.NotEqual(SceneGenerator.Generate(100, 1), SceneGenerator.Generate(100, 2));
    }

    [Fact]
    public void Draws_every_value_of_every_field_about_equally()
    {
        var specs = SceneGenerator.Generate(12_000, 42);
        AssertUniform(specs.Select(s => (int)s.Shape), 4);
        AssertUniform(specs.Select(s => (int)s.Colour), 6);
        AssertUniform(specs.Select(s => s.Count - 1), 3);
        AssertUniform(specs.Select(s => (int)s.Position), 4);
    }

    [Fact]
    public void All_lists_each_of_the_288_specs_once()
    {
        var all = SceneGenerator.All();
        Assert.Equal(4 * 6 * 3 * 4, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public void Spec_rejects_counts_outside_one_to_three()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SceneSpec(SceneShape.Circle, SceneColour.Red, 0, ScenePosition.Left));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SceneSpec(SceneShape.Circle, SceneColour.Red, 4, ScenePosition.Left));
    }

    private static void AssertUniform(IEnumerable<int> values, int buckets)
    {
        var counts = new int[buckets];
        var n = 0;
        foreach (var v in values)
        {
            counts[v]++;
            n++;
        }
        var expected = (double)n / buckets;
        Assert.All(counts, c => Assert.InRange(c, expected * 0.9, expected * 1.1));
    }
}
