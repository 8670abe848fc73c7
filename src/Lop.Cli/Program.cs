using System.CommandLine;
using Lop.Cli;
using Lop.Cli.Commands;

var root = new RootCommand("dotnet lop: learned layer-wise FFN pruning (LOP) for LLaMA/Qwen2-style models, as a build step.");
root.Subcommands.Add(SampleModelCommand.Create());
root.Subcommands.Add(ImportanceCommand.Create());
root.Subcommands.Add(PruneCommand.Create());
root.Subcommands.Add(PerplexityCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(CacheCommand.Create());
root.Subcommands.Add(VariantsCommand.Create());
root.Subcommands.Add(InitCommand.Create());
return await CommandRunner.InvokeAsync(root, args);
