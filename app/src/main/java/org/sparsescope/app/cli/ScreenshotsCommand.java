package org.sparsescope.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparsescope.app.ui.Screenshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "screenshots", mixinStandardHelpOptions = true,
        description = {"Start the app on the embedded demo, go through every main view, and write a screenshot of each.",
                "Needs a display: run under Xvfb, e.g. xvfb-run -a -s \"-screen 0 1600x1000x24\" ./sparsescope screenshots --out shots"})
public final class ScreenshotsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, description = "folder for the PNG files")
    Path out;

    @Option(names = "--workspace", description = "workspace to use (default: a fresh one inside OUT)")
    Path workspace;

    @Override
    public Integer call() throws Exception {
        Path ws = workspace != null ? workspace : out.resolve("workspace");
        Files.createDirectories(ws);
        Screenshots s = new Screenshots(out);
        s.start(ws, List.of());
        try {
            for (Path p : s.tour()) {
                spec.commandLine().getOut().println("wrote " + p);
            }
        } finally {
            s.close();
        }
        return 0;
    }
}
