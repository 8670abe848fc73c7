using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Lop.Samples;

/// <summary>
/// Turns one XML documentation file into plain English paragraphs: per member, the <c>summary</c>
/// followed by the <c>remarks</c>, with references rendered as the short names a reader would see.
/// </summary>
internal static class SdkDocText
{
    public static List<string> Extract(string xmlPath)
    {
        XDocument doc;
        // Doc files are trusted SDK content, but DTDs are still refused so a stray file cannot expand entities.
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using (var reader = XmlReader.Create(xmlPath, settings))
        {
            doc = XDocument.Load(reader);
        }

        var result = new List<string>();
        var members = doc.Root?.Element("members");
        if (members is null)
        {
            return result;
        }
        var text = new StringBuilder();
        foreach (var member in members.Elements("member"))
        {
            text.Clear();
            foreach (var name in (ReadOnlySpan<string>)["summary", "remarks"])
            {
                if (member.Element(name) is { } element)
                {
                    Render(element, text);
                    text.Append(' ');
                }
            }
            var paragraph = CollapseWhitespace(text);
            if (paragraph.Any(char.IsLetter))
            {
                result.Add(paragraph);
            }
        }
        return result;
    }

    private static void Render(XElement element, StringBuilder text)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText t:
                    text.Append(t.Value);
                    break;
                case XElement e:
                    RenderElement(e, text);
                    break;
            }
        }
    }

    private static void RenderElement(XElement e, StringBuilder text)
    {
        switch (e.Name.LocalName)
        {
            case "code":
                // Code samples are not English and would skew the corpus toward C# syntax.
                text.Append(' ');
                return;
            case "see" or "seealso":
                if (!e.IsEmpty && e.Nodes().Any())
                {
                    Render(e, text);
                }
                else if (e.Attribute("langword")?.Value is { } langword)
                {
                    text.Append(langword);
                }
                else if (e.Attribute("cref")?.Value is { } cref)
                {
                    text.Append(ShortName(cref));
                }
                else if (e.Attribute("href")?.Value is { } href)
                {
                    text.Append(href);
                }
                return;
            case "paramref" or "typeparamref":
                text.Append(e.Attribute("name")?.Value);
                return;
            case "para" or "list" or "item" or "listheader" or "term" or "description" or "br":
                text.Append(' ');
                Render(e, text);
                text.Append(' ');
                return;
            default:
                Render(e, text);
                return;
        }
    }

    /// <summary>
    /// <c>T:System.String</c> → <c>String</c>; <c>M:System.Text.StringBuilder.Append(System.Char)</c> →
    /// <c>StringBuilder.Append</c>; constructors → the type name; generic arity marks dropped.
    /// </summary>
    internal static string ShortName(string cref)
    {
        var kind = cref.Length > 2 && cref[1] == ':' ? cref[0] : 'T';
        var name = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var paren = name.IndexOf('(');
        if (paren >= 0)
        {
            name = name[..paren];
        }
        var parts = name.Split('.').Select(p => p.Split('`')[0]).ToArray();
        if (parts.Length == 0)
        {
            return name;
        }
        if (parts[^1] is "#ctor" or "#cctor" && parts.Length >= 2)
        {
            return parts[^2];
        }
        return kind is 'T' or 'N' || parts.Length < 2 ? parts[^1] : $"{parts[^2]}.{parts[^1]}";
    }

    private static string CollapseWhitespace(StringBuilder text)
    {
        var result = new StringBuilder(text.Length);
        var pendingSpace = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = result.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                result.Append(' ');
                pendingSpace = false;
            }
            result.Append(c);
        }
        return result.ToString();
    }
}
