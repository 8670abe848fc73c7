using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LLama.Native;

namespace Lop.Core.Gguf;

/// <summary>
/// Finds llama.cpp for an engine that does not carry it. A build copies LLamaSharp.Backend.Cpu's natives
/// (runtimes/&lt;rid&gt;/native/&lt;avx&gt;/) beside the app, and LLamaSharp finds them there. The Lop.Build
/// package cannot carry them (30 MB for linux-x64 alone), so its engine, started with the NuGet package folders
/// as additional probing paths, takes them from the backend package restore put in the NuGet cache:
/// <c>llamasharp.backend.cpu/&lt;version&gt;/LLamaSharpRuntimes/&lt;rid&gt;/native/&lt;avx&gt;/</c>, the best folder
/// this CPU runs. The libraries load their siblings through RUNPATH $ORIGIN, so naming libllama and libmtmd is enough.
/// </summary>
internal static class LlamaBackendLocator
{
    public const string PackageId = "LLamaSharp.Backend.Cpu";

    /// <summary>Points LLamaSharp at the NuGet cache's natives when none are beside the engine; false when nothing changed.</summary>
    public static bool ConfigureFromNuGetCache()
    {
        if (Platform() is not var (rid, llama, mtmd) || HasNativesBeside(rid, llama))
        {
            return false;
        }
        var folder = Find(ProbingFolders(), BackendVersion, rid, llama);
        if (folder is null)
        {
            // LLamaSharp reports its own "no backend installed" error, which says what to add.
            return false;
        }
        NativeLibraryConfig.All.WithLibrary(Path.Combine(folder, llama), Path.Combine(folder, mtmd));
        return true;
    }

    /// <summary>The native folder of the backend package under one of <paramref name="packageFolders"/>, the best this CPU runs first.</summary>
    internal static string? Find(IEnumerable<string> packageFolders, string version, string rid, string llamaFile) =>
        packageFolders
            .Select(root => Path.Combine(root, PackageId.ToLowerInvariant(), version, "LLamaSharpRuntimes", rid, "native"))
            .SelectMany(native => AvxFolders().Select(avx => Path.Combine(native, avx)))
            .FirstOrDefault(folder => File.Exists(Path.Combine(folder, llamaFile)));

    /// <summary>The --additionalprobingpath folders the engine was started with (the MSBuild task passes the NuGet package folders).</summary>
    private static IEnumerable<string> ProbingFolders() =>
        AppContext.GetData("PROBING_DIRECTORIES") is string listed
            ? listed.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    private static bool HasNativesBeside(string rid, string llama)
    {
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native");
        return AvxFolders().Any(avx => File.Exists(Path.Combine(native, avx, llama)));
    }

    /// <summary>LLamaSharp's folders for CPU feature levels, best first; "" for platforms without them (macOS).</summary>
    private static IEnumerable<string> AvxFolders()
    {
        if (Avx512F.IsSupported)
        {
            yield return "avx512";
        }
        if (Avx2.IsSupported)
        {
            yield return "avx2";
        }
        if (Avx.IsSupported)
        {
            yield return "avx";
        }
        yield return "noavx";
        yield return "";
    }

    private static (string Rid, string Llama, string Mtmd)? Platform() =>
        RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 when OperatingSystem.IsLinux() => ("linux-x64", "libllama.so", "libmtmd.so"),
            Architecture.X64 when OperatingSystem.IsWindows() => ("win-x64", "llama.dll", "mtmd.dll"),
            Architecture.Arm64 when OperatingSystem.IsMacOS() => ("osx-arm64", "libllama.dylib", "libmtmd.dylib"),
            _ => null,
        };

    /// <summary>The backend version the engine was built against (recorded from Directory.Packages.props).</summary>
    public static string BackendVersion =>
        typeof(LlamaBackendLocator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == PackageId).Value!;
}
