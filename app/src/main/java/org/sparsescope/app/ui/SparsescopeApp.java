package org.sparsescope.app.ui;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.sparsescope.app.Resources;
import org.sparsescope.compute.workspace.AnalysisCache;
import org.sparsescope.viewmodels.MainViewModel;

/**
 * The desktop app: the default workspace with the embedded demo, plus any dictionaries named on the command line
 * (as the installer's file association passes them).
 */
public final class SparsescopeApp extends Application {
    private MainViewModel vm;
    private FxBackground background;

    /** The window and its view-model, built on the FX thread: the same for the app, the tests and the screenshots. */
    public record Opened(MainWindow window, MainViewModel vm, FxBackground background) {
    }

    public static Opened open(Stage stage, Path workspace, List<Path> dictionaries) {
        return open(stage, workspace, dictionaries, org.sparsescope.viewmodels.workspace.WorkspaceViewModel.DEFAULT_HARVEST_TOKENS);
    }

    /** As {@link #open(Stage, Path, List)}, harvesting {@code harvestTokens} for a workspace without activations. */
    public static Opened open(Stage stage, Path workspace, List<Path> dictionaries, long harvestTokens) {
        FxBackground background = new FxBackground();
        MainViewModel vm = new MainViewModel(background, workspace);
        vm.workspace().setHarvestTokens(harvestTokens);
        MainWindow window = new MainWindow(vm, stage);
        stage.setTitle("Sparsescope");
        stage.setScene(window.scene());
        vm.workspace().openDemo(Resources.demo().model().getParent());
        for (Path p : dictionaries) {
            vm.workspace().openDictionary(p);
        }
        return new Opened(window, vm, background);
    }

    @Override
    public void start(Stage stage) {
        List<Path> paths = getParameters().getRaw().stream().filter(s -> !s.startsWith("-")).map(Path::of).toList();
        Opened o = open(stage, AnalysisCache.defaultWorkspace(), paths);
        vm = o.vm();
        background = o.background();
        stage.show();
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        Platform.runLater(() -> System.err.printf("sparsescope: first frame %d ms after start%n", System.currentTimeMillis() - jvmStart));
    }

    @Override
    public void stop() {
        if (vm != null) {
            vm.close();
        }
        if (background != null) {
            background.shutdown();
        }
    }
}
