package org.sparsescope.app;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the app's shipped data lies: -Dsparsescope.resources, or the {@code resources/} folder beside the build. */
public final class Resources {
    private Resources() {}

    /** The embedded demo: a model folder and a text corpus. */
    public record Demo(Path model, Path corpus) {}

    public static Path root() {
        String prop = System.getProperty("sparsescope.resources");
        if (prop != null) {
            return Path.of(prop);
        }
        try {
            // app/target/<jar> → the repository's resources/
            Path jar = Path.of(Resources.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            for (Path p = jar; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("resources/demo"))) {
                    return p.resolve("resources");
                }
            }
        } catch (URISyntaxException | SecurityException e) {
            // fall through to the working directory
        }
        return Path.of("resources");
    }

    /** Teaches a workspace the names the demo's dictionaries give its model ({@code demo/model-names.json}). */
    public static void registerDemoModel(org.sparsescope.compute.workspace.Workspace workspace)
            throws java.io.IOException {
        workspace.learnModelNames(root().resolve("demo").resolve("model-names.json"));
    }

    public static Demo demo() {
        Path demo = root().resolve("demo");
        return new Demo(demo.resolve("model"), demo.resolve("corpus/test.txt"));
    }
}
