namespace Lop.Core.Tests;

/// <summary>The repository's root folder (the one with Lop.Build.sln), for tests that read its sources and files.</summary>
internal static class RepoFolder
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Lop.Build.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("Lop.Build.sln not found above " + AppContext.BaseDirectory);
    }
}
