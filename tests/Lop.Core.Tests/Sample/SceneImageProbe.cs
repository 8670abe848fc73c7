using Lop.Core.Images;

namespace Lop.Core.Tests.Sample;

/// <summary>
/// Reads a rendered scene back: which pixels have a colour, how many 8-connected blobs they form,
/// and where they sit. 8-connected so two shapes touching only at a corner count as one (a failure).
/// </summary>
internal static class SceneImageProbe
{
    public static List<(int X, int Y)> PixelsOf(RgbImage image, (byte R, byte G, byte B) colour)
    {
        var pixels = new List<(int X, int Y)>();
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                if (image[x, y] == colour)
                {
                    pixels.Add((x, y));
                }
            }
        }
        return pixels;
    }

    public static int Components(RgbImage image, (byte R, byte G, byte B) colour)
    {
        var seen = new bool[image.Width, image.Height];
        var components = 0;
        var stack = new Stack<(int X, int Y)>();
        foreach (var start in PixelsOf(image, colour))
        {
            if (seen[start.X, start.Y])
            {
                continue;
            }
            components++;
            seen[start.X, start.Y] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var (x, y) = stack.Pop();
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var nx = x + dx;
                        var ny = y + dy;
                        if (nx >= 0 && ny >= 0 && nx < image.Width && ny < image.Height
                            && !seen[nx, ny] && image[nx, ny] == colour)
                        {
                            seen[nx, ny] = true;
                            stack.Push((nx, ny));
                        }
                    }
                }
            }
        }
        return components;
    }
}
