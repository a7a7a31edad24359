package org.sparsescope.app.ui;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.StageStyle;
import org.sparsescope.app.Resources;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.MainViewModel;

/**
 * The desktop app: a splash while the PyTorch engine starts (the first run unpacks its native library), then the
 * default workspace with the embedded demo, plus any dictionaries named on the command line (as the installer's
 * file association passes them); a {@code workspace.sparsescope} file opens its workspace instead.
 */
public final class SparsescopeApp extends Application {
    private MainViewModel vm;
    private FxBackground background;

    /** The window and its view-model, built on the FX thread: the same for the app, the tests and the screenshots. */
    public record Opened(MainWindow window, MainViewModel vm, FxBackground background) {}

    public static Opened open(Stage stage, Path workspace, List<Path> paths) {
        return open(
                stage,
                workspace,
                paths,
                org.sparsescope.viewmodels.workspace.WorkspaceViewModel.DEFAULT_HARVEST_TOKENS);
    }

    /** As {@link #open(Stage, Path, List)}, harvesting {@code harvestTokens} for a workspace without activations. */
    public static Opened open(Stage stage, Path workspace, List<Path> paths, long harvestTokens) {
        Path workspaceFile = paths.stream()
                .filter(p -> p.getFileName().toString().endsWith(".sparsescope"))
                .findFirst()
                .orElse(null);
        Path ws = workspaceFile != null ? workspaceFile.toAbsolutePath().getParent() : workspace;
        FxBackground background = new FxBackground();
        Workspace files;
        try {
            files = Workspace.open(
                    ws); // the demo's model names are learned by openDemo, and kept in the workspace file
        } catch (java.io.IOException e) {
            // a damaged workspace file: start on an empty one beside it, leaving the file as it is
            org.slf4j.LoggerFactory.getLogger(SparsescopeApp.class)
                    .warn("workspace {} unreadable: {}", ws, e.getMessage());
            files = openFresh(ws);
        }
        MainViewModel vm = new MainViewModel(background, files);
        vm.workspace().setHarvestTokens(harvestTokens);
        MainWindow window = new MainWindow(vm, stage);
        stage.setTitle("Sparsescope");
        stage.getIcons().add(icon());
        stage.setScene(window.scene());
        if (workspaceFile != null) {
            vm.workspace().setFallbackCorpus(Resources.demo().corpus());
            vm.workspace().reopen();
        } else {
            vm.workspace().openDemo(Resources.demo().model().getParent());
            vm.workspace().reopen();
        }
        for (Path p : paths) {
            if (p != workspaceFile) {
                vm.workspace().openDictionary(p);
            }
        }
        return new Opened(window, vm, background);
    }

    private static Workspace openFresh(Path damaged) {
        try {
            return Workspace.open(damaged.resolveSibling(damaged.getFileName() + "-recovered"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Image icon() {
        Path png = Resources.root().resolve("icons/sparsescope.png");
        return new Image(png.toUri().toString());
    }

    @Override
    public void start(Stage stage) {
        List<Path> paths = new ArrayList<>();
        for (String s : getParameters().getRaw()) {
            if (!s.startsWith("-")) {
                paths.add(Path.of(s));
            }
        }
        Stage splash = splash();
        Thread engine = new Thread(
                () -> {
                    org.sparsescope.compute.Devices.preferred(); // loads (and on the first run unpacks) libtorch
                    Platform.runLater(() -> {
                        Opened o = open(stage, org.sparsescope.compute.workspace.Workspace.defaultLocation(), paths);
                        vm = o.vm();
                        background = o.background();
                        splash.close();
                        stage.show();
                        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
                        reportPlacement(o.vm(), paths, jvmStart);
                        Platform.runLater(() -> {
                            System.err.printf(
                                    "sparsescope: first frame %d ms after start%n",
                                    System.currentTimeMillis() - jvmStart);
                            if (Boolean.getBoolean("sparsescope.exitAfterFirstFrame")) { // for start-up measurements
                                Platform.exit();
                            }
                        });
                    });
                },
                "engine-start");
        engine.setDaemon(true);
        engine.start();
    }

    /** Logs when each dictionary named on the command line is placed on its frontier (for start-up measurements). */
    private static void reportPlacement(MainViewModel vm, List<Path> paths, long jvmStart) {
        java.util.Set<String> waiting = new java.util.HashSet<>();
        paths.forEach(p -> waiting.add(p.toString()));
        vm.workspace().dictionaries().addListener((javafx.collections.ListChangeListener<
                        org.sparsescope.viewmodels.workspace.DictionaryEntry>)
                c -> {
                    for (var e : vm.workspace().dictionaries()) {
                        if (e.measured() && waiting.remove(e.id())) {
                            System.err.printf(
                                    "sparsescope: %s placed on the frontier of %s %d ms after start%n",
                                    e.name(), e.site(), System.currentTimeMillis() - jvmStart);
                            if (waiting.isEmpty()
                                    && Boolean.getBoolean("sparsescope.exitAfterPlaced")) { // for start-up measurements
                                Platform.exit();
                            }
                        }
                    }
                });
    }

    private static Stage splash() {
        Stage s = new Stage(StageStyle.UNDECORATED);
        ProgressBar bar = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        bar.setPrefWidth(300);
        Label what = new Label("Starting the PyTorch engine…");
        Label why = new Label("The first run unpacks its native library (about 430 MB) into your data folder.");
        why.setWrapText(true);
        ImageView logo = new ImageView(icon());
        logo.setFitWidth(96);
        logo.setFitHeight(96);
        VBox box = new VBox(10, logo, new Label("Sparsescope"), what, bar, why);
        box.setAlignment(Pos.CENTER);
        box.setPadding(new Insets(24));
        box.setPrefWidth(380);
        s.setScene(new Scene(box));
        s.getIcons().add(icon());
        s.show();
        return s;
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
