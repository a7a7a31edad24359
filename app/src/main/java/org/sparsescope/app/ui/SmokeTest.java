package org.sparsescope.app.ui;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --smoke-test PATH}: the installed app starts, opens the dictionary, renders the frontier and its features
 * once, writes a screenshot and exits 0; any failure exits 1 with the reason.
 */
public final class SmokeTest {
    private SmokeTest() {}

    private static void deleteTree(Path dir) {
        try {
            org.sparsescope.compute.tensor.AtomicFile.deleteTree(dir);
        } catch (java.io.IOException e) {
            org.slf4j.LoggerFactory.getLogger(SmokeTest.class)
                    .warn("smoke-test workspace {} not removed: {}", dir, e.getMessage());
        }
    }

    public static int run(Path dictionary, Path screenshot, PrintWriter out) throws Exception {
        Path ws = Files.createTempDirectory("sparsescope-smoke");
        Path folder = screenshot.toAbsolutePath().getParent();
        String name = screenshot.getFileName().toString().replaceAll("\\.png$", "");
        Screenshots s = new Screenshots(folder, 20_000);
        try {
            s.start(ws, List.of(dictionary));
            var vm = s.app().vm();
            String id = dictionary.toString();
            Screenshots.waitFor(
                    "the dictionary to open",
                    300,
                    () -> vm.workspace().find(id) != null
                            || vm.workspace().errorProperty().get() != null);
            String error = Screenshots.onFx(() -> vm.workspace().errorProperty().get());
            if (error != null) {
                throw new IllegalStateException(error);
            }
            Screenshots.waitFor("the dictionary's own activations and its place on the frontier", 600, () -> {
                var e = vm.workspace().find(id);
                return e != null && e.status() != org.sparsescope.viewmodels.workspace.DictionaryEntry.Status.PREPARING;
            });
            var entry = Screenshots.onFx(() -> vm.workspace().find(id));
            if (entry.status() != org.sparsescope.viewmodels.workspace.DictionaryEntry.Status.MEASURED) {
                throw new IllegalStateException(entry.name() + " (" + entry.site() + "): " + entry.statusMessage());
            }
            s.idle(300);
            Screenshots.onFx(() -> {
                vm.open(id);
                return null;
            });
            Screenshots.waitFor(
                    "the feature table",
                    300,
                    () -> !vm.features().rows().isEmpty()
                            || vm.workspace().errorProperty().get() != null);
            error = Screenshots.onFx(() -> vm.workspace().errorProperty().get());
            if (error != null) {
                throw new IllegalStateException(error);
            }
            s.idle(120);
            Path shot = s.shoot(name);
            out.println("smoke test passed: " + dictionary + " (" + entry.site() + ") opened, FVU "
                    + String.format(java.util.Locale.ROOT, "%.4f L0 %.2f", entry.fvu(), entry.l0()) + " on "
                    + entry.activations().getFileName() + ", "
                    + Screenshots.onFx(() -> vm.features().rows().size()) + " features shown; screenshot " + shot);
            return 0;
        } catch (Exception e) {
            out.println("smoke test failed: " + e.getMessage());
            return 1;
        } finally {
            s.close();
            deleteTree(ws); // a smoke test leaves nothing behind
        }
    }
}
