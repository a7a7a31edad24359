package org.sparsescope.app.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.sparsescope.viewmodels.features.FeatureRow;
import org.sparsescope.viewmodels.frontier.FrontierPoint;

/**
 * Drives the real window through every main view on the demo and writes a screenshot of each: for looking at
 * what the app shows (under Xvfb, or headless Monocle), and for the smoke test of an installed app.
 */
public final class Screenshots {
    private final Path out;
    private final long harvestTokens;
    private SparsescopeApp.Opened app;
    private Stage stage;

    public Screenshots(Path out) {
        this(out, org.sparsescope.viewmodels.workspace.WorkspaceViewModel.DEFAULT_HARVEST_TOKENS);
    }

    /** @param harvestTokens activations harvested for a fresh workspace */
    public Screenshots(Path out, long harvestTokens) {
        this.out = out;
        this.harvestTokens = harvestTokens;
    }

    /** Starts the toolkit and opens the window on {@code workspace}, with {@code dictionaries} opened too. */
    public void start(Path workspace, List<Path> dictionaries) throws Exception {
        CompletableFuture<Void> started = new CompletableFuture<>();
        Platform.startup(() -> started.complete(null));
        started.get(60, TimeUnit.SECONDS);
        onFx(() -> {
            stage = new Stage();
            app = SparsescopeApp.open(stage, workspace, dictionaries, harvestTokens);
            stage.setWidth(1440);
            stage.setHeight(900);
            stage.show();
            return null;
        });
    }

    public SparsescopeApp.Opened app() {
        return app;
    }

    /** Runs {@code c} on the FX thread and waits for its result. */
    public static <T> T onFx(Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(120, TimeUnit.SECONDS);
    }

    /** Waits until {@code condition} (checked on the FX thread) holds, or fails after {@code seconds}. */
    public static void waitFor(String what, double seconds, BooleanSupplier condition) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            if (onFx(condition::getAsBoolean)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("timed out waiting for " + what);
    }

    public void idle(double seconds) throws Exception {
        waitFor("background jobs to finish", seconds, () -> app.background().jobs().isEmpty());
    }

    public Path shoot(String name) throws Exception {
        Files.createDirectories(out);
        Path file = out.resolve(name + ".png");
        WritableImage img = onFx(() -> {
            app.window().root.applyCss();
            app.window().root.layout();
            return stage.getScene().snapshot(null);
        });
        ImageIO.write(SwingFXUtils.fromFXImage(img, null), "png", file.toFile());
        return file;
    }

    /** The demo tour: frontier with both dictionaries selected and compared, features sorted by kurtosis with the top feature's detail, an ablation, a training run, and the dark theme. */
    public List<Path> tour() throws Exception {
        var vm = app.vm();
        waitFor("the demo's dictionaries on the frontier", 300, () -> vm.frontier().points().size() >= 2);
        idle(300);
        onFx(() -> {
            vm.frontier().selectRectangle(0.1, 1e5, 0, 1);
            ((javafx.scene.control.Button) stage.getScene().lookup("#compareSelected")).fire(); // the label shows their MMCS
            return null;
        });
        waitFor("the comparison of the two", 120, () -> vm.frontier().comparisonProperty().get() != null);
        idle(200);
        Path frontier = shoot("1-frontier");
        String sparse = onFx(() -> vm.frontier().points().stream().max(java.util.Comparator.comparingDouble(FrontierPoint::fvu)).orElseThrow().id());
        onFx(() -> {
            vm.open(sparse);
            return null;
        });
        waitFor("the feature table", 300, () -> !vm.features().rows().isEmpty());
        int top = onFx(() -> {
            var table = app.window().features.table;
            var kurt = table.getColumns().stream().filter(c -> "kurtosis".equals(c.getText())).findFirst().orElseThrow();
            kurt.setSortType(javafx.scene.control.TableColumn.SortType.DESCENDING);
            table.getSortOrder().setAll(List.of(kurt));
            table.sort();
            FeatureRow first = table.getItems().get(0);
            vm.features().selectedFeatureProperty().set(first.index());
            return first.index();
        });
        waitFor("examples of feature " + top, 120, () -> !vm.detail().topExamples().isEmpty());
        idle(60);
        Path features = shoot("2-features-and-detail");
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(2);
            vm.ablation().featuresProperty().set(Integer.toString(top));
            vm.runAblation();
            return null;
        });
        waitFor("the ablation result", 300, () -> !Double.isNaN(vm.ablation().deltaPerplexityProperty().get()) && !vm.ablation().runningProperty().get());
        Path ablation = shoot("3-ablation");
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(3);
            vm.training().l1ValuesProperty().set("1e-3, 4e-3, 1.2e-2");
            vm.training().ratiosProperty().set("1");
            vm.training().epochsProperty().set(2);
            vm.training().batchProperty().set(1024);
            app.window().training.start.fire();
            return null;
        });
        waitFor("the sweep to end", 600, () -> !vm.training().runningProperty().get());
        if (!onFx(() -> vm.training().statusProperty().get().startsWith("done"))) {
            throw new IllegalStateException("the sweep did not finish: " + onFx(() -> vm.training().statusProperty().get() + "; "
                    + vm.workspace().errorProperty().get()));
        }
        Path training = shoot("4-training");
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(0);
            app.window().toggleTheme();
            return null;
        });
        Path dark = shoot("5-frontier-dark-after-training");
        onFx(() -> {
            app.window().toggleTheme();
            return null;
        });
        return List.of(frontier, features, ablation, training, dark);
    }

    public void close() throws Exception {
        onFx(() -> {
            stage.close();
            app.vm().close();
            app.background().shutdown();
            return null;
        });
        Platform.exit();
    }

}
