using YamlDotNet.RepresentationModel;
using static Lop.Core.Config.ConfigValues;
using K = Lop.Core.Config.LopYamlKeys;

namespace Lop.Core.Config;

/// <summary>
/// Reads lop.yaml: <see cref="YamlSource"/> parses it (every node keeps its line and column),
/// <see cref="ConfigBinder"/> binds the sections to the settings records, <see cref="ConfigChecks"/> checks
/// that the files exist and the targets can be met. Every error is collected in one
/// <see cref="ConfigDiagnostics"/> and thrown together.
/// </summary>
internal static class LopConfigReader
{
    public static LopConfig Read(string yamlPath)
    {
        var file = Path.GetFullPath(yamlPath);
        var diagnostics = new ConfigDiagnostics(file);
        var config = YamlSource.Load(diagnostics) is { } root ? Read(root, diagnostics) : null;
        if (diagnostics.HasErrors || config is null)
        {
            throw diagnostics.ToException();
        }
        return config;
    }

    private static LopConfig? Read(YamlNode root, ConfigDiagnostics diagnostics)
    {
        if (root is not YamlMappingNode top)
        {
            diagnostics.Invalid(root, $"lop.yaml must be a mapping of keys ({string.Join(", ", ConfigBinder.TopKeys)}), not {YamlSource.Describe(root)}.");
            return null;
        }
        var folder = Path.GetDirectoryName(diagnostics.File)!;
        var values = new ConfigValues(diagnostics, folder);
        var bind = new ConfigBinder(values);
        var check = new ConfigChecks(values);

        // A fixed order of sections: errors without a position (config.json's) and errors at one position are listed in it.
        var fields = values.Fields(top, K.Root.Name, ConfigBinder.TopKeys);
        var modelFolder = check.ModelFolder(values.Require(top, fields, K.Model.Name, K.Root.Name, "the Hugging Face model folder"));
        var calibration = check.CalibrationFile(bind.Calibration(values.Require(top, fields, K.Calibration.Section.Name, K.Root.Name, "the calibration text file")));
        var dtype = bind.DType(Get(fields, K.DType.Name));
        var training = bind.Training(Get(fields, K.Search.Section.Name), Get(fields, K.Predictor.Section.Name));
        var output = bind.Output(Get(fields, K.Output.Section.Name));
        var formats = bind.FormatList(Get(fields, K.Formats.Name));
        var cache = bind.Cache(Get(fields, K.Cache.Name));
        var model = modelFolder is null ? null : check.ReadModel(modelFolder);
        var targets = check.Targets(values.Require(top, fields, K.Target.List.Name, K.Root.Name, "at least one target"), model, training, formats);

        if (diagnostics.HasErrors || modelFolder is null || model is null || calibration is null || targets is null)
        {
            return null;
        }
        return new LopConfig(diagnostics.File, folder, modelFolder, model, calibration, dtype, training, output, cache, targets) { Formats = formats };
    }
}
