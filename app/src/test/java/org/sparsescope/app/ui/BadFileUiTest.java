package org.sparsescope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javafx.scene.control.MenuItem;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.tensor.HostileFiles;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The window given bad files by every route a file comes in by (the command line, which is also how a file
 * association opens one; drag and drop; the Open recent menu): each shows its typed message naming the file, and
 * the window keeps working, with what it already had untouched.
 */
class BadFileUiTest extends WindowTest {
    private static Path dir;
    private static Path fromCommandLine;
    private static final List<String> ERRORS = new CopyOnWriteArrayList<>();

    @Start
    void start(Stage stage) throws Exception {
        dir = Files.createTempDirectory("sparsescope-badfiles");
        // a torch file whose pickle is 28 levels of shared pairs (2^28 leaves if expanded): no dictionary in it
        fromCommandLine = HostileFiles.torchFiles(dir).get("billion laughs");
        openOnce(stage, dir.resolve("ws"), List.of(fromCommandLine), 20_000, 1366, 768);
        app.vm().workspace().errorProperty().addListener((o, a, b) -> {
            if (b != null) {
                ERRORS.add(b);
            }
        });
    }

    private static void waitForError(String file, String problem) throws Exception {
        // the two background threads may first finish the demo's measurements (KL and CE on 128 windows each)
        FxWait.waitFor(
                "an error naming " + file + " and saying '" + problem + "'",
                180,
                () -> ERRORS.stream().anyMatch(m -> m.contains(file) && m.contains(problem)),
                () -> String.join("\n", ERRORS));
    }

    private static void closeDialogs() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> {
                    for (Window w : List.copyOf(Window.getWindows())) {
                        if (w != app.window().root.getScene().getWindow()) {
                            w.hide();
                        }
                    }
                })
                .get();
    }

    @Test
    void everyRouteShowsTheTypedMessageAndTheWindowKeepsWorking() throws Exception {
        // the command line (and a file association, which starts the app with the file as its argument)
        waitForError(fromCommandLine.toString(), "found a tuple of 2");
        closeDialogs();

        // drag and drop: a deflate bomb named .npz, a folder whose cfg.json has a field of the wrong type, a truncated
        // weights file
        Path bomb = HostileFiles.torchZipWithBomb(
                dir.resolve("bomb.pt"), HostileFiles.fourFloatsPickle(), "archive/data/0", 64L << 20);
        Path wrongType = Files.createDirectories(dir.resolve("wrong-type"));
        Files.copy(
                Reference.path("saes/l1_4.11e-03/sae_weights.safetensors"),
                wrongType.resolve("sae_weights.safetensors"));
        Files.writeString(
                wrongType.resolve("cfg.json"),
                Files.readString(Reference.path("saes/l1_4.11e-03/cfg.json"))
                        .replace("\"d_in\": 256", "\"d_in\": [256]"));
        Path truncated = Files.createDirectories(dir.resolve("truncated"));
        Files.copy(Reference.path("saes/l1_4.11e-03/cfg.json"), truncated.resolve("cfg.json"));
        byte[] weights = Files.readAllBytes(Reference.path("saes/l1_4.11e-03/sae_weights.safetensors"));
        Files.write(truncated.resolve("sae_weights.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 3));
        WaitForAsyncUtils.asyncFx(() -> app.window().openDropped(List.of(bomb, wrongType, truncated)))
                .get();
        waitForError(bomb.toString(), "more than the 16");
        waitForError(wrongType.resolve("cfg.json").toString(), "\"d_in\" should be an integer");
        waitForError(truncated.resolve("sae_weights.safetensors").toString(), "truncated");
        closeDialogs();

        // the Open recent menu: a dictionary that opened well once, damaged since
        Path good = Files.createDirectories(dir.resolve("good"));
        Files.copy(Reference.path("saes/l1_4.11e-03/cfg.json"), good.resolve("cfg.json"));
        Files.copy(Reference.path("saes/l1_4.11e-03/sae_weights.safetensors"), good.resolve("sae_weights.safetensors"));
        WaitForAsyncUtils.asyncFx(() -> app.vm().workspace().openDictionary(good))
                .get();
        FxWait.waitFor(
                "the good dictionary listed",
                120,
                () -> app.vm().workspace().find(good.toString()) != null,
                () -> String.join("\n", ERRORS));
        Files.write(good.resolve("sae_weights.safetensors"), new byte[] {1, 2, 3});
        MenuItem item = WaitForAsyncUtils.asyncFx(() -> app.window().recentMenu().getItems().stream()
                        .filter(m -> m.getText().equals(good.toString()))
                        .findFirst()
                        .orElseThrow())
                .get();
        WaitForAsyncUtils.asyncFx(item::fire).get();
        waitForError(good.resolve("sae_weights.safetensors").toString(), "truncated");
        closeDialogs();

        // still working: what was listed stays listed, and another dictionary opens and is listed
        assertEquals(good, entry(good).path(), "the entry opened before the damage is still there");
        Path another = Files.createDirectories(dir.resolve("another"));
        Files.copy(Reference.path("saes/l1_5.01e-04/cfg.json"), another.resolve("cfg.json"));
        Files.copy(
                Reference.path("saes/l1_5.01e-04/sae_weights.safetensors"), another.resolve("sae_weights.safetensors"));
        WaitForAsyncUtils.asyncFx(() -> app.vm().workspace().openDictionary(another))
                .get();
        FxWait.waitFor(
                "another dictionary listed after the bad ones",
                120,
                () -> app.vm().workspace().find(another.toString()) != null,
                () -> String.join("\n", ERRORS));
        assertTrue(
                WaitForAsyncUtils.asyncFx(
                                () -> app.window().root.getScene().getWindow().isShowing())
                        .get(),
                "the window is open");
        assertTrue(
                ERRORS.stream().noneMatch(m -> m.contains("Exception")),
                "no raw exception reached the user: " + ERRORS);
    }
}
