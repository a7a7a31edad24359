package org.sparsescope.app.ui;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The real window, headless (Monocle), one per test class: each class opens it once in its {@code @Start} with
 * {@link #openOnce}, and it is closed (hidden, its jobs stopped, the hub-cache property cleared) after the class, so
 * no window stays behind for the next class's lookups.
 */
@ExtendWith(ApplicationExtension.class)
abstract class WindowTest {
    static SparsescopeApp.Opened app;

    /** Opens the window on {@code workspace} with {@code dictionaries} the first time a test of the class starts. */
    static void openOnce(
            Stage stage, Path workspace, List<Path> dictionaries, long harvestTokens, int width, int height) {
        if (app == null) {
            app = SparsescopeApp.open(stage, workspace, dictionaries, harvestTokens);
            stage.setWidth(width);
            stage.setHeight(height);
        }
        stage.show();
    }

    @AfterAll
    static void closeWindow() throws Exception {
        System.clearProperty("sparsescope.hubCache");
        if (app != null) {
            SparsescopeApp.Opened closing = app;
            app = null;
            WaitForAsyncUtils.asyncFx(
                            () -> closing.window().root.getScene().getWindow().hide())
                    .get();
            closing.vm().close();
            closing.background().shutdown();
        }
    }

    /** Waits for {@code condition} on the FX thread; a timeout names what was awaited and the window's last error. */
    static void waitFor(String what, int seconds, Callable<Boolean> condition) throws Exception {
        FxWait.waitFor(
                what,
                seconds,
                condition,
                () -> app.vm().workspace().errorProperty().get());
    }

    /** The workspace's row for the dictionary at {@code path}, read on the FX thread. */
    static DictionaryEntry entry(Path path) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> app.vm().workspace().find(path.toString()))
                .get();
    }
}
