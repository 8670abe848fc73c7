using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Lop.Native;

/// <summary>
/// Makes TorchSharp's natives load on any launch path (dotnet test, dotnet run, a global tool,
/// dotnet exec with --additionalprobingpath) with no manual step.
/// On Linux hosts whose libstdc++ stops at GLIBCXX_3.4.30 (GCC 12, Debian 12) the TorchSharp 0.107 shim
/// fails to load only because it records a need for GLIBCXX_3.4.32; there Lop loads a patched private
/// copy of the shim (see <see cref="GlibcxxPatch"/>) and points TorchSharp's DllImports at it. Everywhere
/// else TorchSharp loads the normal way. Any failure becomes a NativeLoadException (LOP0001) naming the real cause.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static volatile bool _loaded;
    private static NativeLoadException? _failure;
    private static Dictionary<string, IntPtr> _handles = new(StringComparer.Ordinal);

    /// <summary>Idempotent, thread-safe; call before the first tensor. Throws NativeLoadException (LOP0001) naming the real cause.</summary>
    public static void EnsureLoaded()
    {
        if (_loaded)
        {
            return;
        }
        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }
            // A failed attempt can leave TorchSharp's type initialiser broken for the process, so a retry
            // would only produce a worse message: repeat the first one.
            if (_failure is not null)
            {
                throw new NativeLoadException(_failure.Message, _failure.File, inner: _failure);
            }
            try
            {
                Load();
                _loaded = true;
            }
            catch (NativeLoadException e)
            {
                _failure = e;
                throw;
            }
        }
    }

    private static void Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            Initialize(natives: null, loadedShim: null);
            return;
        }

        IReadOnlyList<string> folders = NativeLocator.SearchFolders();
        string shim = NativeLocator.Find(NativeLocator.ShimFile, folders) ?? throw NotFound(NativeLocator.ShimFile, folders);
        var natives = new TorchNatives(shim, NativeLocator.LibtorchFiles
            .Select(f => NativeLocator.Find(f, folders) ?? throw NotFound(f, folders))
            .ToList());

        IReadOnlyList<MissingVersion> missing = MissingFor(shim);
        if (missing.Count == 0)
        {
            // The host has everything the shim needs: nothing special, TorchSharp's own loader does it.
            Initialize(natives, shim);
            return;
        }
        bool onlyMarker = missing.Count == 1
            && missing[0] is { Library: GlibcxxPatch.Library, Version: GlibcxxPatch.From, Provider: not null };
        if (!onlyMarker)
        {
            // Checked before TorchSharp runs: its fallback prints to stdout and copies natives into the NuGet cache.
            throw Diagnose(natives, shim, detail: null);
        }

        byte[] original = File.ReadAllBytes(shim);
        byte[] patched = GlibcxxPatch.TryPatch(original, shim, out string? whyNot)
            ?? throw Diagnose(natives, shim, $"Lop did not patch a private copy because {whyNot}.");
        string copy = StorePatchedCopy(shim, original, patched);

        // The shim's DT_NEEDED entries (libtorch.so, libc10.so, libtorch_cpu.so) have no path, so they must
        // already be loaded (ld.so matches loaded objects by soname) before the copy, which lives elsewhere.
        var loadedHandles = new Dictionary<string, IntPtr>(StringComparer.Ordinal);
        foreach (string library in natives.Libtorch)
        {
            loadedHandles[LibraryName(library)] = LoadOrDiagnose(library, natives, copy);
        }
        loadedHandles["LibTorchSharp"] = LoadOrDiagnose(copy, natives, copy);
        _handles = loadedHandles;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
        }
        catch (InvalidOperationException e)
        {
            throw new NativeLoadException(
                $"{NativeDiagnosis.Lead}another component already installed a native library resolver for TorchSharp, "
                + $"so Lop cannot point it at its patched copy {copy} of {shim}.", shim, inner: e);
        }
        Initialize(natives, copy);
    }

    /// <summary>
    /// Answers TorchSharp's DllImports with the handles loaded above. Besides LibTorchSharp this also
    /// answers TorchSharp's probe for torch_cpu, so it can never pick up a second copy of libtorch;
    /// anything else returns zero and default probing continues.
    /// </summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        _handles.TryGetValue(LibraryName(name), out IntPtr handle) ? handle : IntPtr.Zero;

    /// <summary>"libtorch_cpu.so" and "torch_cpu" both become "torch_cpu"; "LibTorchSharp" stays.</summary>
    private static string LibraryName(string nameOrPath)
    {
        string name = Path.GetFileName(nameOrPath);
        int so = name.IndexOf(".so", StringComparison.Ordinal);
        if (so > 0)
        {
            name = name[..so];
        }
        return name.StartsWith("lib", StringComparison.Ordinal) ? name[3..] : name;
    }

    /// <summary>Forces TorchSharp's own initialisation now, so a failure surfaces here with a diagnosis.</summary>
    private static void Initialize(TorchNatives? natives, string? loadedShim)
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            // One real call into the shim; reads the thread count, never sets it.
            _ = torch.get_num_threads();
        }
        catch (Exception e)
        {
            if (natives is null || loadedShim is null)
            {
                string cause = ProbeByName() ?? Innermost(e).Message;
                throw new NativeLoadException(NativeDiagnosis.Lead + cause, inner: e);
            }
            throw Diagnose(natives, loadedShim, detail: null, inner: e);
        }
    }

    private static string StorePatchedCopy(string shim, byte[] original, byte[] patched)
    {
        string root = PatchedCopyCache.Root();
        try
        {
            return PatchedCopyCache.Store(root, PatchedCopyCache.KeyFor(original), NativeLocator.ShimFile, patched);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NativeLoadException(
                $"{NativeDiagnosis.Lead}{shim} needs {GlibcxxPatch.From}, which this host's libstdc++ lacks, and Lop could not "
                + $"write its patched copy under {root}: {e.Message} Set {PatchedCopyCache.EnvironmentVariable} to a writable folder.",
                shim, inner: e);
        }
    }

    private static IntPtr LoadOrDiagnose(string path, TorchNatives natives, string shim)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            string hint = path == shim
                ? $" If {Path.GetDirectoryName(path)} is on a noexec mount, set {PatchedCopyCache.EnvironmentVariable} to another folder."
                : "";
            throw Diagnose(natives, shim, $"Loading {path} failed: {e.Message}{hint}", e);
        }
    }

    /// <summary>
    /// Every version the shim and libtorch need that the host lacks; when none is missing, the dynamic
    /// linker's own error for the shim. <paramref name="shim"/> is the copy actually used (maybe patched).
    /// </summary>
    private static NativeLoadException Diagnose(TorchNatives natives, string shim, string? detail, Exception? inner = null)
    {
        var missing = new[] { shim }.Concat(natives.Libtorch).SelectMany(MissingFor).ToList();
        string message;
        if (missing.Count > 0)
        {
            message = NativeDiagnosis.Describe(missing, detail);
        }
        else
        {
            string error = detail ?? ProbeByPath(shim) ?? (inner is null ? "unknown error" : Innermost(inner).Message);
            message = NativeDiagnosis.DescribeLoadError(shim, error);
        }
        return new NativeLoadException(message, natives.Shim, inner: inner);
    }

    private static IReadOnlyList<MissingVersion> MissingFor(string path)
    {
        try
        {
            IReadOnlyList<VersionNeed> needs = ElfVersionNeeds.ReadNeeds(path);
            string? folder = Path.GetDirectoryName(path);
            var providers = needs.Select(n => n.Library).Distinct(StringComparer.Ordinal).ToDictionary(
                library => library,
                library => HostLibraries.Resolve(library, folder) is string found
                    ? new ProvidedLibrary(found, HostLibraries.ProvidedVersions(found))
                    : new ProvidedLibrary(null, new HashSet<string>()));
            return NativeDiagnosis.FindMissing(path, needs, providers);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Unreadable as ELF: say nothing here and let the dynamic linker's own message speak.
            return [];
        }
    }

    private static string? ProbeByPath(string path) => Probe(() => NativeLibrary.Load(path));

    private static string? ProbeByName() =>
        Probe(() => NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, null));

    private static string? Probe(Func<IntPtr> load)
    {
        try
        {
            load();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return e.Message;
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private static NativeLoadException NotFound(string file, IReadOnlyList<string> folders) =>
        new(NativeDiagnosis.DescribeNotFound(file, folders));
}
