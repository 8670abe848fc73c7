using Lop.Samples.Scenes;

namespace Lop.Core.Tests.Sample;

public class SceneCaptionTests
{
    [Theory]
    [InlineData((int)SceneShape.Circle, (int)SceneColour.Red, 2, (int)ScenePosition.Left, "two red circles on the left.")]
    [InlineData((int)SceneShape.Square, (int)SceneColour.Blue, 1, (int)ScenePosition.Top, "one blue square at the top.")]
    [InlineData((int)SceneShape.Cross, (int)SceneColour.Cyan, 3, (int)ScenePosition.Bottom, "three cyan crosses at the bottom.")]
    [InlineData((int)SceneShape.Triangle, (int)SceneColour.Magenta, 1, (int)ScenePosition.Right, "one magenta triangle on the right.")]
    public void Follows_the_template(int shape, int colour, int count, int position, string expected)
    {
        // Ints, not the enums: the enums are internal and a public test method cannot take them.
        Assert.Equal(expected, SceneCaption.For(new SceneSpec((SceneShape)shape, (SceneColour)colour, count, (ScenePosition)position)));
    }

    [Fact]
    public void Every_spec_has_its_own_lowercase_ascii_caption_naming_colour_and_shape()
    {
        var all = SceneGenerator.All();
        var captions = all.Select(SceneCaption.For).ToList();
        Assert.Equal(all.Count, captions.Distinct().Count());
        foreach (var (spec, caption) in all.Zip(captions))
        {
            Assert.Matches("^[a-z .]+$", caption);
            Assert.Contains(SceneCaption.ColourWord(spec.Colour), caption);
            var singular = SceneCaption.ShapeWord(spec.Shape, 1);
            var plural = spec.Shape == SceneShape.Cross ? "crosses" : singular + "s";
            if (spec.Count > 1)
            {
                Assert.Contains(plural, caption);
            }
            else
            {
                Assert.Contains(singular, caption);
                Assert.DoesNotContain(plural, caption);
            }
        }
    }
}
