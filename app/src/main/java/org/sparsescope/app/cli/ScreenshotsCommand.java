package org.sparsescope.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparsescope.app.ui.Screenshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "screenshots",
        mixinStandardHelpOptions = true,
        description = {
            "Start the app on the embedded demo, go through every main view, and write a screenshot of each.",
            "Needs a display: run under Xvfb, e.g. xvfb-run -a -s \"-screen 0 1600x1000x24\" ./sparsescope screenshots --out shots"
        })
public final class ScreenshotsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, description = "folder for the PNG files")
    Path out;

    @Option(names = "--workspace", description = "workspace to use (default: a fresh one inside OUT)")
    Path workspace;

    @Option(
            names = "--open",
            description =
                    "also open these dictionaries and shoot the tour across hooks (the pair selector, each pair's frontier, a refusal)")
    List<Path> open = new java.util.ArrayList<>();

    @Option(
            names = "--answer",
            arity = "2",
            paramLabel = "MODEL HOOK",
            description =
                    "the model and hook to state for an opened dictionary whose files name none (the dialog is shot first)")
    List<String> answer = new java.util.ArrayList<>();

    @Option(
            names = "--size",
            defaultValue = "1440x900",
            description = "window size, WIDTHxHEIGHT (default ${DEFAULT-VALUE})")
    String size;

    @Option(
            names = "--theme",
            defaultValue = "light",
            description = "light or dark: the theme of the shots (the demo tour's fifth shot is "
                    + "in the other one; default ${DEFAULT-VALUE})")
    String theme;

    @Option(names = "--only-hooks", description = "skip the demo tour; only the tour across hooks")
    boolean onlyHooks;

    @Option(
            names = "--sweep",
            description =
                    "with --open, instead of the tour across hooks: the opened sweep's frontier with its PCA line, "
                            + "the MCS matrix of its members (those named --sweep-prefix…) with the smallest against the largest opened, and the first one's features by capacity")
    boolean sweep;

    @Option(
            names = "--circuits",
            description =
                    "with --open (dictionaries at hooks of one model, in forward order), instead of the tour across hooks: "
                            + "their feature graph as a chain, with the threshold moved and a node hovered, restoration, and the first one's outlier dimensions and costliest tokens")
    boolean circuits;

    @Option(
            names = "--prompt",
            description =
                    "with --open: the prompt tour on the first opened dictionary, with this text in the inspector")
    String prompt;

    @Option(
            names = "--steer",
            defaultValue = "519:12",
            description = "with --prompt: the steering of the generation shot (default ${DEFAULT-VALUE})")
    String steer;

    @Option(
            names = "--watch",
            description =
                    "after the tour: watch this cluster run folder and shoot the frontier once its checkpoints show")
    Path watch;

    @Option(
            names = "--sweep-prefix",
            defaultValue = "",
            description = "with --sweep: the MCS matrix of the members whose names start so (default: all)")
    String sweepPrefix;

    @Override
    public Integer call() throws Exception {
        Path ws = workspace != null ? workspace : out.resolve("workspace");
        Files.createDirectories(ws);
        String[] wh = size.split("x");
        if (wh.length != 2 || !wh[0].matches("\\d+") || !wh[1].matches("\\d+")) {
            throw new IllegalArgumentException("--size is WIDTHxHEIGHT, e.g. 1366x768, not " + size);
        }
        if (!theme.equals("light") && !theme.equals("dark")) {
            throw new IllegalArgumentException("--theme is light or dark, not " + theme);
        }
        Screenshots s = new Screenshots(out);
        s.start(ws, open);
        s.resize(Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
        s.theme(theme.equals("dark"));
        try {
            for (Path p : onlyHooks ? List.<Path>of() : s.tour()) {
                spec.commandLine().getOut().println("wrote " + p);
            }
            if (!open.isEmpty() && prompt != null) {
                for (Path p : s.promptTour(open.get(0).toString(), prompt, steer)) {
                    spec.commandLine().getOut().println("wrote " + p);
                }
            } else if (!open.isEmpty() && circuits) {
                for (Path p : s.circuitsTour(open)) {
                    spec.commandLine().getOut().println("wrote " + p);
                }
            } else if (!open.isEmpty() && sweep) {
                for (Path p : s.sweepTour(open, sweepPrefix)) {
                    spec.commandLine().getOut().println("wrote " + p);
                }
            } else if (!open.isEmpty()) {
                for (Path p : s.hooksTour(
                        open, answer.size() == 2 ? answer.get(0) : null, answer.size() == 2 ? answer.get(1) : null)) {
                    spec.commandLine().getOut().println("wrote " + p);
                }
            }
            if (watch != null) {
                for (Path p : s.watchTour(watch)) {
                    spec.commandLine().getOut().println("wrote " + p);
                }
            }
        } finally {
            s.close();
        }
        return 0;
    }
}
