using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Lop.Core.Errors;
using TorchSharp;

namespace Lop.Core.Native;

/// <summary>
/// Makes TorchSharp load on machines whose libstdc++ is older than the one its shim was built with
/// (Debian 12: GCC 12), whatever the launch path: dotnet test, dotnet run, a global tool, or
/// dotnet exec with NuGet probing paths. The shim is never modified where it lies (that is the NuGet
/// cache's or the app's); a patched private copy is loaded and handed to TorchSharp through a
/// DllImport resolver, so it does not matter which copy the host would have found first.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static IntPtr _patchedShim;
    private static string _nativeFolder = "";

    /// <summary>Idempotent and thread-safe; call before the first tensor.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }
            var missing = OperatingSystem.IsLinux() ? PrepareLinux() : [];
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException or EntryPointNotFoundException)
            {
                throw new LopException(ErrorCodes.NativeLoadFailed, LoadDiagnosis.Describe(missing, Innermost(e).Message), inner: e);
            }
            _loaded = true;
        }
    }

    /// <summary>Returns what stays missing after any patch (empty when all is well).</summary>
    private static IReadOnlyList<MissingVersion> PrepareLinux()
    {
        var folders = NativeLibraryFiles.SearchFolders();
        var shim = NativeLibraryFiles.Find(NativeLibraryFiles.Shim, folders);
        if (shim is null)
        {
            throw new LopException(ErrorCodes.NativeLoadFailed,
                $"TorchSharp's native library {NativeLibraryFiles.Shim} was not found in any of: {string.Join(", ", folders)}. Restore the TorchSharp-cpu package (dotnet restore) so that its natives are present.");
        }
        _nativeFolder = Path.GetDirectoryName(shim)!;
        var shimBytes = File.ReadAllBytes(shim);
        var missing = LoadDiagnosis.Missing(shim, ElfVersions.Needs(shimBytes), HostDefinitions);
        foreach (var library in NativeLibraryFiles.Torch)
        {
            var path = Path.Combine(Path.GetDirectoryName(shim)!, library);
            if (File.Exists(path))
            {
                missing = [.. missing, .. LoadDiagnosis.Missing(path, ElfVersions.Needs(File.ReadAllBytes(path)), HostDefinitions)];
            }
        }
        if (missing.Count == 0)
        {
            return missing;
        }
        if (!LoadDiagnosis.OnlyHarmless(missing))
        {
            throw new LopException(ErrorCodes.NativeLoadFailed, LoadDiagnosis.Describe(missing));
        }
        LoadPatchedShim(shim, shimBytes);
        return [];
    }

    private static void LoadPatchedShim(string shim, byte[] shimBytes)
    {
        // libtorch by full path first: the shim's DT_NEEDED entries then resolve by soname to these.
        foreach (var library in NativeLibraryFiles.Torch)
        {
            NativeLibrary.Load(Path.Combine(Path.GetDirectoryName(shim)!, library));
        }
        var patched = PatchedCopy(shimBytes);
        _patchedShim = NativeLibrary.Load(patched);
        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name.Contains("LibTorchSharp", StringComparison.Ordinal) ? _patchedShim : IntPtr.Zero;

    /// <summary>The patched shim in the engine's cache, keyed by the original's content; written once, atomically.</summary>
    internal static string PatchedCopy(byte[] shimBytes)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(shimBytes))[..16];
        var folder = Path.Combine(CacheRoot(), key);
        var target = Path.Combine(folder, NativeLibraryFiles.Shim);
        if (File.Exists(target))
        {
            return target;
        }
        Directory.CreateDirectory(folder);
        var patched = (byte[])shimBytes.Clone();
        ElfVersions.RenameNeed(patched, LoadDiagnosis.HarmlessVersion, LoadDiagnosis.HarmlessReplacement);
        var temporary = target + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        File.WriteAllBytes(temporary, patched);
        // rename(2) is atomic: a concurrent process sees either no file or the whole file.
        File.Move(temporary, target, overwrite: true);
        return target;
    }

    internal static string CacheRoot()
    {
        var overridden = Environment.GetEnvironmentVariable("LOP_NATIVE_CACHE");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "lop", "native");
    }

    private static readonly Dictionary<string, (string?, IReadOnlySet<string>?)> HostLibraries = [];

    /// <summary>Versions a host library defines, read once per library.</summary>
    private static (string? Path, IReadOnlySet<string>? Definitions) HostDefinitions(string soname)
    {
        if (!HostLibraries.TryGetValue(soname, out var known))
        {
            // libtorch bundles some of its dependencies (its own libgomp) beside itself.
            var bundled = Path.Combine(_nativeFolder, soname);
            var path = File.Exists(bundled) ? bundled : NativeLibraryFiles.LoadedPath(soname);
            known = path is null ? (null, null) : (path, ElfVersions.Definitions(File.ReadAllBytes(path)));
            HostLibraries[soname] = known;
        }
        return known;
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
