using System.Globalization;
using System.Text;
using System.Text.Json;
using Lop.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Lop.Build;

/// <summary>
/// Runs <c>lop variants --config X --json [--output Y]</c> as its own process and turns the JSON it prints
/// on stdout into <c>LopVariant</c> items. The engine never runs inside MSBuild: libtorch would lock
/// files and outlive the build in a reused node. By default the engine is the package's
/// <c>tools/engine/Lop.Cli.dll</c>, started with <c>dotnet exec --depsfile --runtimeconfig
/// --additionalprobingpath &lt;each NuGet package folder&gt;</c> so TorchSharp loads from the NuGet cache.
/// <see cref="EngineCommand"/> replaces it (tests use a fake engine). Cancelling the build kills the
/// engine's process tree (ToolTask); the engine renames finished variants into place, so none is left half-written.
/// </summary>
public sealed class LopVariants : ToolTask
{
    // ToolTask sends stdout and stderr lines to the same method; distinct importances tell them apart.
    private const MessageImportance StdOutTag = MessageImportance.High;
    private const MessageImportance StdErrTag = MessageImportance.Low;

    private readonly StringBuilder _stdout = new();
    private readonly Queue<string> _lastLines = new();

    [Required]
    public string ConfigFile { get; set; } = "";

    /// <summary>Passed as <c>--output</c>; empty keeps the folder lop.yaml names.</summary>
    public string? OutputPath { get; set; }

    /// <summary>The packaged engine, <c>tools/engine/Lop.Cli.dll</c>, next to its deps.json and runtimeconfig.json.</summary>
    public string? EnginePath { get; set; }

    /// <summary>NuGet package folders (NuGetPackageFolders), each passed as <c>--additionalprobingpath</c>.</summary>
    public string[]? ProbingPaths { get; set; }

    /// <summary>The dotnet host that runs the engine (DOTNET_HOST_PATH); empty means <c>dotnet</c> on the PATH.</summary>
    public string? DotNetHostPath { get; set; }

    /// <summary>Any executable that honours the engine's contract; replaces <c>dotnet exec ... Lop.Cli.dll</c>.</summary>
    public string? EngineCommand { get; set; }

    /// <summary>Arguments put before <c>variants</c> when <see cref="EngineCommand"/> is set (e.g. a dll for <c>dotnet</c>).</summary>
    public string? EngineArguments { get; set; }

    /// <summary>
    /// The NuGet version range of engines this package works with, passed as <c>--engine-version-range</c>:
    /// the engine checks its own version with NuGet.Versioning and refuses with LOP0005 when outside it
    /// (matters when <see cref="EngineCommand"/> points at another engine than the packaged one).
    /// </summary>
    public string? EngineVersionRange { get; set; }

    /// <summary>
    /// Passed as <c>--inputs-file</c>: the engine writes there the files it read (<see cref="Contract.InputsFile"/>),
    /// which the targets read as the next build's Inputs.
    /// </summary>
    public string? InputsFile { get; set; }

    /// <summary>
    /// Dataset packages the project references (<c>LopArtifactPackage</c> items, which a package made by
    /// <c>dotnet lop datasets pack</c> adds from its build props): each ItemSpec, a folder, is passed as
    /// <c>--artifact-package</c>; the engine imports it when it matches lop.yaml, and warns when it does not.
    /// </summary>
    public ITaskItem[]? ArtifactPackages { get; set; }

    /// <summary>One item per variant: ItemSpec the variant folder; metadata TargetName (MSBuild reserves "Target"), Budget, Manifest.</summary>
    [Output]
    public ITaskItem[] Variants { get; private set; } = [];

    protected override string ToolName => UsesEngineCommand ? Path.GetFileName(EngineCommand!) : "dotnet";

    private bool UsesEngineCommand => !string.IsNullOrWhiteSpace(EngineCommand);

    public override bool Execute()
    {
        // Progress on stderr, the result on stdout: the importances only tag the stream (see LogEventsFromTextOutput).
        StandardOutputImportance = StdOutTag.ToString();
        StandardErrorImportance = StdErrTag.ToString();
        YieldDuringToolExecution = true;
        if (!UsesEngineCommand && !File.Exists(EnginePath))
        {
            Log.LogError(null, EngineCodes.EngineMissing, null, EnginePath, 0, 0, 0, 0, "Lop.Build: the engine {0} is missing; restore the Lop.Build package again.", EnginePath);
            return false;
        }
        if (!base.Execute())
        {
            return false;
        }
        try
        {
            Variants = EngineResult.Parse(_stdout.ToString());
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            Log.LogError(null, EngineCodes.EngineOutputInvalid, null, ConfigFile, 0, 0, 0, 0,
                "Lop.Build: the engine's output is not the JSON of `lop variants --json` ({0}). It printed: {1}", e.Message, Truncate(_stdout.ToString()));
            return false;
        }
        foreach (var variant in Variants)
        {
            Log.LogMessage(MessageImportance.Normal, "Lop.Build: variant {0} (budget {1}) -> {2}", variant.GetMetadata("TargetName"), variant.GetMetadata("Budget"), variant.ItemSpec);
        }
        return true;
    }

    protected override string GenerateFullPathToTool()
    {
        if (UsesEngineCommand)
        {
            return EngineCommand!;
        }
        return string.IsNullOrWhiteSpace(DotNetHostPath) ? "dotnet" : DotNetHostPath!;
    }

    protected override string GenerateCommandLineCommands()
    {
        var args = new CommandLineBuilder(quoteHyphensOnCommandLine: false, useNewLineSeparator: false);
        if (UsesEngineCommand)
        {
            if (!string.IsNullOrWhiteSpace(EngineArguments))
            {
                args.AppendTextUnquoted(EngineArguments);
            }
        }
        else
        {
            var engine = Path.GetFullPath(EnginePath!);
            var stem = Path.Combine(Path.GetDirectoryName(engine)!, Path.GetFileNameWithoutExtension(engine));
            args.AppendSwitch("exec");
            args.AppendSwitchIfNotNull("--depsfile ", stem + ".deps.json");
            args.AppendSwitchIfNotNull("--runtimeconfig ", stem + ".runtimeconfig.json");
            foreach (var folder in ProbingPaths ?? [])
            {
                if (!string.IsNullOrWhiteSpace(folder))
                {
                    args.AppendSwitchIfNotNull("--additionalprobingpath ", folder.TrimEnd('/', '\\'));
                }
            }
            args.AppendFileNameIfNotNull(engine);
        }
        args.AppendSwitch("variants");
        args.AppendSwitchIfNotNull("--config ", ConfigFile);
        args.AppendSwitch("--json");
        if (!string.IsNullOrWhiteSpace(EngineVersionRange))
        {
            args.AppendSwitchIfNotNull("--engine-version-range ", EngineVersionRange);
        }
        if (!string.IsNullOrWhiteSpace(OutputPath))
        {
            args.AppendSwitchIfNotNull("--output ", OutputPath!.TrimEnd('/', '\\'));
        }
        if (!string.IsNullOrWhiteSpace(InputsFile))
        {
            args.AppendSwitchIfNotNull("--inputs-file ", InputsFile);
        }
        foreach (var package in ArtifactPackages ?? [])
        {
            args.AppendSwitchIfNotNull("--artifact-package ", package.ItemSpec.TrimEnd('/', '\\'));
        }
        args.AppendSwitchIfNotNull(EngineDiagnostic.LogFormatOption + " ", EngineDiagnostic.MsBuildLogFormat);
        return args.ToString();
    }

    /// <summary>
    /// stdout is the JSON result; stderr lines in MSBuild's canonical form (<see cref="EngineDiagnostic"/>,
    /// <c>lop.yaml(12,5): error LOP1003: ...</c>) become errors and warnings with file, line, column and code;
    /// milestones (<c>lop: info: ...</c>) are high-importance messages, so even a minimal-verbosity log shows
    /// each stage and variant; any other stderr line (progress) is a low-importance message.
    /// </summary>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (messageImportance == StdOutTag)
        {
            _stdout.AppendLine(singleLine);
            return;
        }
        if (EngineDiagnostic.TryParseInfo(singleLine, out var milestone))
        {
            Log.LogMessage(MessageImportance.High, "Lop.Build: {0}", milestone);
        }
        else
        {
            Log.LogMessageFromText(singleLine, MessageImportance.Low);
        }
        _lastLines.Enqueue(singleLine);
        if (_lastLines.Count > 10)
        {
            _lastLines.Dequeue();
        }
    }

    /// <summary>A failure the engine did not report in canonical form still says why, not only an exit code.</summary>
    protected override bool HandleTaskExecutionErrors()
    {
        if (Log.HasLoggedErrors)
        {
            return base.HandleTaskExecutionErrors();
        }
        Log.LogError(null, EngineCodes.EngineFailed, null, ConfigFile, 0, 0, 0, 0,
            "Lop.Build: the engine exited with code {0}. Its last output: {1}", ExitCode, string.Join(" | ", _lastLines));
        return false;
    }

    protected override void LogToolCommand(string message) => Log.LogMessage(MessageImportance.Normal, "Lop.Build: {0}", message);

    private static string Truncate(string text) => text.Length <= 500 ? text.Trim() : text[..500] + "...";
}
