package org.sparsescope.app;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.sparsescope.app.cli.AblateCommand;
import org.sparsescope.app.cli.AutointerpCommand;
import org.sparsescope.app.cli.BaselineCommand;
import org.sparsescope.app.cli.BenchCommand;
import org.sparsescope.app.cli.ClusterCommand;
import org.sparsescope.app.cli.CompareCommand;
import org.sparsescope.app.cli.EvalCommand;
import org.sparsescope.app.cli.ExportCommand;
import org.sparsescope.app.cli.GenerateCommand;
import org.sparsescope.app.cli.GraphCommand;
import org.sparsescope.app.cli.HarvestCommand;
import org.sparsescope.app.cli.InspectCommand;
import org.sparsescope.app.cli.OutliersCommand;
import org.sparsescope.app.cli.PerplexityCommand;
import org.sparsescope.app.cli.ScreenshotsCommand;
import org.sparsescope.app.cli.ServeCommand;
import org.sparsescope.app.cli.SpliceCommand;
import org.sparsescope.app.cli.StatsCommand;
import org.sparsescope.app.cli.SynthCommand;
import org.sparsescope.app.cli.TrainCommand;
import org.sparsescope.app.cli.TruthCommand;
import org.sparsescope.app.cli.WorkspaceCommand;
import org.sparsescope.compute.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sparsescope} launcher. With no subcommand it runs the app's main job on the embedded demo; the
 * subcommands are the command-line face of the compute engine. Not a JavaFX Application subclass, so it starts
 * from the classpath (see stack.md).
 */
@Command(
        name = "sparsescope",
        mixinStandardHelpOptions = true,
        version = "sparsescope 0.1.0",
        description = "Inspect what sparse autoencoders (dictionaries) learned inside a language model.",
        subcommands = {
            CommandLine.HelpCommand.class,
            Sparsescope.Version.class,
            PerplexityCommand.class,
            HarvestCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            StatsCommand.class,
            SpliceCommand.class,
            AblateCommand.class,
            GraphCommand.class,
            OutliersCommand.class,
            GenerateCommand.class,
            InspectCommand.class,
            ExportCommand.class,
            CompareCommand.class,
            BaselineCommand.class,
            SynthCommand.class,
            ClusterCommand.class,
            AutointerpCommand.class,
            ServeCommand.class,
            TruthCommand.class,
            WorkspaceCommand.class,
            ScreenshotsCommand.class,
            BenchCommand.class
        })
public final class Sparsescope implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status: 0 done, 1 failure, 2 bad input or usage, 3 a write failed, 4 a model server could not answer. */
    public static int run(String... args) {
        // DJL must never reach for the network: the native library ships in the jar.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty(
                "org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "error"));
        // DJL unpacks libtorch (~445 MB) once; keep it in the program's data folder (never beside a workspace) rather
        // than ~/.djl.ai
        if (System.getProperty("DJL_CACHE_DIR") == null) {
            System.setProperty(
                    "DJL_CACHE_DIR", org.sparsescope.compute.UserDirs.engine().toString());
        }
        if (org.sparsescope.compute.Devices
                .cudaBuild()) { // the CPU build never asks: loading the engine costs a second
            try {
                org.sparsescope.compute.Devices.prepareCudaBuildWithoutGpu();
            } catch (java.io.IOException e) {
                System.err.println(
                        "sparsescope: the CUDA build's libtorch could not be unpacked for the CPU: " + e.getMessage());
                return 1;
            }
            String notice = org.sparsescope.compute.Devices.fallbackNotice();
            if (notice != null) {
                System.err.println("sparsescope: " + notice);
                noticeShown = true; // one line, even if --device gpu asks again
            }
        }
        CommandLine cli = new CommandLine(new Sparsescope());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof InvalidInputException || e instanceof IllegalArgumentException) {
                err.println("sparsescope: " + e.getMessage());
                return 2;
            }
            if (e instanceof org.sparsescope.compute.WriteFailedException) {
                err.println("sparsescope: " + e.getMessage());
                return 3;
            }
            if (e instanceof org.sparsescope.compute.autointerp.ServerException) {
                // a model server that could not answer: its address and its words, no trace (what finished is stored)
                err.println("sparsescope: " + e.getMessage());
                return 4;
            }
            err.println("sparsescope: " + failureReport(e));
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * One line for a failure nobody foresaw: what it was, and where its full trace went (the cache folder's
     * last-error.txt), so no command prints a stack trace at the user.
     */
    static String failureReport(Throwable e) {
        String what = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        java.nio.file.Path report = org.sparsescope.compute.UserDirs.cache().resolve("last-error.txt");
        try {
            java.nio.file.Files.createDirectories(report.getParent());
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            java.nio.file.Files.writeString(report, trace.toString());
            return "unexpected failure: " + what + " (the details are in " + report + ")";
        } catch (java.io.IOException | RuntimeException writeFailed) {
            org.slf4j.LoggerFactory.getLogger(Sparsescope.class)
                    .warn("the failure report could not be written to {}", report, writeFailed);
            return "unexpected failure: " + what;
        }
    }

    /** {@code --device}, before or after any subcommand: every command's compute runs there. */
    @CommandLine.Option(
            names = "--device",
            scope = CommandLine.ScopeType.INHERIT,
            paramLabel = "cpu|gpu",
            description =
                    "where compute runs: cpu, or gpu (the first; falls back to the CPU with a notice when there is none). Default: a GPU when there is one")
    void device(String which) {
        org.sparsescope.compute.Devices.Choice c = switch (which.toLowerCase(java.util.Locale.ROOT)) {
            case "cpu" -> org.sparsescope.compute.Devices.Choice.CPU;
            case "gpu", "cuda" -> org.sparsescope.compute.Devices.Choice.GPU;
            default ->
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--device takes cpu or gpu, not '" + which + "'");
        };
        String notice = org.sparsescope.compute.Devices.choose(c);
        if (notice != null && !noticeShown) {
            System.err.println("sparsescope: " + notice);
            noticeShown = true;
        }
    }

    private static boolean noticeShown;

    @CommandLine.Parameters(
            arity = "0..*",
            paramLabel = "PATH",
            description = "dictionaries to open (any readable layout)")
    java.util.List<java.nio.file.Path> paths = new java.util.ArrayList<>();

    @CommandLine.Option(
            names = "--smoke-test",
            paramLabel = "PATH",
            description =
                    "start the window, open this dictionary, render its views once, write a screenshot, exit 0 (for automated checks)")
    java.nio.file.Path smokeTest;

    @CommandLine.Option(
            names = "--screenshot",
            paramLabel = "FILE",
            description = "where --smoke-test writes its screenshot (default: smoke-test.png)")
    java.nio.file.Path screenshot = java.nio.file.Path.of("smoke-test.png");

    /** {@code sparsescope version}: the version, on its own line. */
    @Command(name = "version", description = "Print the version and exit.")
    static final class Version implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(spec.parent().version()[0]);
            return 0;
        }
    }

    /** The main job: the desktop app on the default workspace with the embedded demo, opening any PATHs given. */
    @Override
    public Integer call() throws Exception {
        if (smokeTest != null) {
            return org.sparsescope.app.ui.SmokeTest.run(
                    smokeTest, screenshot, spec.commandLine().getOut());
        }
        for (java.nio.file.Path p : paths) {
            // a word that is no file is a mistyped command, not something to open in a window
            if (!java.nio.file.Files.exists(org.sparsescope.compute.dictionary.DictionaryFiles.Location.of(p)
                    .path())) {
                spec.commandLine()
                        .getErr()
                        .println("sparsescope: '" + p
                                + "' is neither a command nor a file; the commands are listed by: sparsescope help");
                return 2;
            }
        }
        javafx.application.Application.launch(
                org.sparsescope.app.ui.SparsescopeApp.class,
                paths.stream().map(java.nio.file.Path::toString).toArray(String[]::new));
        return 0;
    }
}
