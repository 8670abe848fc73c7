using System.CommandLine;
using Lop.Core.Errors;

namespace Lop.Cli;

/// <summary>
/// The one place errors are rendered: a LopException (or Lop.Native's NativeLoadException, Lop.Runtime's LopRuntimeException) becomes its canonical line
/// (<c>file(line,col): error LOPnnnn: message</c>) on stderr and exit code 1; anything unexpected
/// becomes one line too (the stack trace only with LOP_DEBUG=1), exit code 2.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellation.Token);
        }
        catch (Lop.Core.Config.LopConfigException e)
        {
            // Every problem of lop.yaml at once, one canonical line each, so they are fixed in one pass.
            foreach (var error in e.Errors)
            {
                await Console.Error.WriteLineAsync(error.Render());
            }
            return 1;
        }
        catch (LopException e)
        {
            await Console.Error.WriteLineAsync(e.Render());
            return 1;
        }
        catch (Lop.Native.NativeLoadException e)
        {
            // TorchSharp's natives did not load (LOP0001): the same canonical line, the same exit code.
            await Console.Error.WriteLineAsync(e.Render());
            return 1;
        }
        catch (Lop.Runtime.Errors.LopRuntimeException e)
        {
            // Choosing and running variants (dotnet lop generate): the same canonical line, the same exit code.
            await Console.Error.WriteLineAsync(e.Render());
            return 1;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("lop: cancelled; no partial output was left behind.");
            return 130;
        }
        catch (Exception e)
        {
            var detail = Environment.GetEnvironmentVariable("LOP_DEBUG") == "1" ? e.ToString() : $"{e.GetType().Name}: {e.Message}";
            await Console.Error.WriteLineAsync($"lop: error {ErrorCodes.InternalError}: internal error ({detail}). Please report it with the command line; set LOP_DEBUG=1 for the stack trace.");
            return 2;
        }
    }
}
