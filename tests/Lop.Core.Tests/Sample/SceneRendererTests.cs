using Lop.Samples.Scenes;

namespace Lop.Core.Tests.Sample;

public class SceneRendererTests
{
    private static readonly SceneSpec TwoRedCircles = new(SceneShape.Circle, SceneColour.Red, 2, ScenePosition.Left);

    [Fact]
    public void Same_seed_renders_identical_bytes()
    {
        var a = SceneRenderer.Render(TwoRedCircles, 32, 7);
        var b = SceneRenderer.Render(TwoRedCircles, 32, 7);
        Assert.Equal(a.Pixels, b.Pixels);
    }

    [Fact]
    public void Different_seeds_render_different_bytes()
    {
        var a = SceneRenderer.Render(TwoRedCircles, 32, 7);
        var b = SceneRenderer.Render(TwoRedCircles, 32, 8);
        Assert.NotEqual(a.Pixels, b.Pixels);
    }

    [Fact]
    public void Every_spec_at_32_px_shows_count_separate_shapes_of_its_colour_inside_its_half()
    {
        foreach (var spec in SceneGenerator.All())
        {
            for (ulong seed = 0; seed < 4; seed++)
            {
                AssertScene(spec, 32, seed);
            }
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(224)]
    public void Larger_sizes_keep_the_same_guarantees(int size)
    {
        foreach (var spec in SceneGenerator.All().Where(s => s.Colour == (SceneColour)((int)s.Shape % 6)))
        {
            AssertScene(spec, size, 11);
        }
    }

    [Fact]
    public void Background_is_a_dark_grey_that_no_shape_colour_equals()
    {
        var colours = Enum.GetValues<SceneColour>().Select(c => c.Rgb()).ToHashSet();
        for (ulong seed = 0; seed < 50; seed++)
        {
            var (r, g, b) = SceneRenderer.Render(TwoRedCircles, 32, seed)[31, 31];
            Assert.Equal(r, g);
            Assert.Equal(g, b);
            Assert.InRange(r, SceneRenderer.MinBackground, SceneRenderer.MaxBackground);
            Assert.DoesNotContain((r, g, b), colours);
        }
    }

    [Fact]
    public void Shapes_at_32_px_are_big_enough_to_recognise()
    {
        // A shape a quarter to 1/3.5 of the side across covers 8 to 10 pixels each way.
        for (ulong seed = 0; seed < 20; seed++)
        {
            var image = SceneRenderer.Render(new SceneSpec(SceneShape.Square, SceneColour.Blue, 1, ScenePosition.Top), 32, seed);
            var pixels = SceneImageProbe.PixelsOf(image, SceneColour.Blue.Rgb());
            Assert.InRange(pixels.Max(p => p.Y) - pixels.Min(p => p.Y) + 1, 8, 10);
            Assert.InRange(pixels.Max(p => p.X) - pixels.Min(p => p.X) + 1, 8, 10);
        }
    }

    [Fact]
    public void Shapes_of_one_size_differ_in_pixel_count_by_shape()
    {
        // Same seed, so same box: square > circle > cross/triangle proves the rasteriser draws distinct outlines.
        int Area(SceneShape shape) => SceneImageProbe.PixelsOf(
            SceneRenderer.Render(new SceneSpec(shape, SceneColour.Cyan, 1, ScenePosition.Right), 64, 5),
            SceneColour.Cyan.Rgb()).Count;
        Assert.True(Area(SceneShape.Square) > Area(SceneShape.Circle));
        Assert.True(Area(SceneShape.Circle) > Area(SceneShape.Cross));
        Assert.True(Area(SceneShape.Circle) > Area(SceneShape.Triangle));
        Assert.NotEqual(Area(SceneShape.Cross), Area(SceneShape.Triangle));
    }

    private static void AssertScene(SceneSpec spec, int size, ulong seed)
    {
        var image = SceneRenderer.Render(spec, size, seed);
        var colour = spec.Colour.Rgb();
        var pixels = SceneImageProbe.PixelsOf(image, colour);
        Assert.True(pixels.Count > 0, $"{spec} seed {seed}: no {spec.Colour} pixels");
        Assert.True(spec.Count == SceneImageProbe.Components(image, colour), $"{spec} seed {seed}: expected {spec.Count} blobs");

        // Every pixel is the background grey or the spec's colour: no other shape colour leaks in.
        var background = image[0, 0];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                Assert.True(image[x, y] == colour || image[x, y] == background, $"{spec} seed {seed}: stray pixel at ({x}, {y})");
            }
        }

        var half = size / 2;
        var inside = spec.Position switch
        {
            ScenePosition.Left => pixels.All(p => p.X < half),
            ScenePosition.Right => pixels.All(p => p.X >= half),
            ScenePosition.Top => pixels.All(p => p.Y < half),
            ScenePosition.Bottom => pixels.All(p => p.Y >= half),
            _ => false,
        };
        Assert.True(inside, $"{spec} seed {seed}: shapes leave the {spec.Position} half");

        var cx = pixels.Average(p => p.X + 0.5);
        var cy = pixels.Average(p => p.Y + 0.5);
        var centroidInHalf = spec.Position switch
        {
            ScenePosition.Left => cx < half,
            ScenePosition.Right => cx > half,
            ScenePosition.Top => cy < half,
            ScenePosition.Bottom => cy > half,
            _ => false,
        };
        Assert.True(centroidInHalf, $"{spec} seed {seed}: centroid ({cx}, {cy}) not in the {spec.Position} half");
    }
}
