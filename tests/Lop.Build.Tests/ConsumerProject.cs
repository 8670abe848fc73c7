using System.Diagnostics;
using System.Text;

namespace Lop.Build.Tests;

/// <summary>A console project in a temp folder with a PackageReference to Lop.Build, the fake engine, and a lop.yaml.</summary>
public sealed class ConsumerProject
{
    private readonly PackageFixture _package;

    public ConsumerProject(PackageFixture package, string name, string yaml)
    {
        _package = package;
        Folder = Directory.CreateDirectory(Path.Combine(_package.Root, name)).FullName;
        File.Copy(Path.Combine(_package.RepoRoot, "global.json"), Path.Combine(Folder, "global.json"));
        File.WriteAllText(Path.Combine(Folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="lop-build-tests" value="{_package.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{_package.MachinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Folder, $"{name}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <LopEngineCommand>{_package.FakeEngine}</LopEngineCommand>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Lop.Build" Version="{_package.Version}" />
              </ItemGroup>
              <Target Name="PrintLopVariants" AfterTargets="Build">
                <Message Importance="high" Text="LopVariant: %(LopVariant.Identity) TargetName=%(LopVariant.TargetName) Budget=%(LopVariant.Budget) Manifest=%(LopVariant.Manifest)" Condition="'@(LopVariant)' != ''" />
              </Target>
            </Project>
            """);
        File.WriteAllText(Path.Combine(Folder, "Program.cs"), "System.Console.WriteLine(\"hello\");\n");
        Directory.CreateDirectory(Path.Combine(Folder, "models", "tiny"));
        File.WriteAllText(Path.Combine(Folder, "models", "tiny", "config.json"), "{}");
        File.WriteAllText(Path.Combine(Folder, "models", "tiny", "model.safetensors"), "weights");
        Directory.CreateDirectory(Path.Combine(Folder, "data"));
        File.WriteAllText(Path.Combine(Folder, "data", "calibration.txt"), "some text");
        File.WriteAllText(ConfigFile, yaml);
    }

    /// <summary>
    /// Makes the app run its variants: references Lop.Runtime (of the packed version) and llama.cpp's CPU backend,
    /// and replaces Program.cs with <paramref name="program"/>.
    /// </summary>
    public void RunVariants(string program)
    {
        var project = Directory.GetFiles(Folder, "*.csproj").Single();
        File.WriteAllText(project, File.ReadAllText(project).Replace(
            $"<PackageReference Include=\"Lop.Build\" Version=\"{_package.Version}\" />",
            $"""
            <PackageReference Include="Lop.Build" Version="{_package.Version}" />
                <PackageReference Include="Lop.Runtime" Version="{_package.Version}" />
                <PackageReference Include="LLamaSharp.Backend.Cpu" Version="{LLamaSharpVersion}" />
            """));
        File.WriteAllText(Path.Combine(Folder, "Program.cs"), program);
    }

    /// <summary>The backend version Lop.Runtime's LLamaSharp needs (the repository's central version).</summary>
    private static string LLamaSharpVersion => Lop.Core.Gguf.LlamaBackendLocator.BackendVersion;

    public string Folder { get; }
    public string ConfigFile => Path.Combine(Folder, "lop.yaml");
    public string OutputFolder => Path.Combine(Folder, "bin", "Debug", "net10.0");
    public string EngineLog => Path.Combine(Folder, "engine-runs.log");
    public int EngineRuns => File.Exists(EngineLog) ? File.ReadAllLines(EngineLog).Length : 0;

    /// <summary>Runs dotnet here, at normal verbosity unless the arguments name one.</summary>
    public DotnetResult Dotnet(params string[] args) =>
        Tests.Dotnet.Run(Folder, _package.Environment(), [.. args, "-nologo", .. Verbosity(args), "-nodeReuse:false"]);

    private static string[] Verbosity(string[] args) => args.Any(a => a.StartsWith("-v:", StringComparison.Ordinal)) ? [] : ["-v:n"];

    public Process StartDotnet(out StringBuilder output, params string[] args) =>
        Tests.Dotnet.StartInterruptible(Folder, _package.Environment(), [.. args, "-nologo", "-v:n", "-nodeReuse:false"], out output);

    public const string TwoTargets = """
        model: models/tiny          # the HF folder
        calibration:
          path: "data/calibration.txt"
        targets:
          - name: half
            ratio: 0.5
          - name: phone
            maxWeightBytes: 1.5GB
        """;
}
