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
import org.sparsescope.viewmodels.frontier.FrontierViewModel;

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
        waitFor(
                "background jobs to finish",
                seconds,
                () -> app.background().jobs().isEmpty());
    }

    /** A cluster run's folder watched: the frontier once every member there shows (or is noted). */
    public List<Path> watchTour(Path dir) throws Exception {
        var vm = app.vm();
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(0);
            vm.runWatch().watch(dir);
            return null;
        });
        waitFor(
                "a watched checkpoint on the frontier",
                120,
                () -> vm.frontier().points().stream().anyMatch(p -> p.watched())
                        || !vm.runWatch().notes().isEmpty());
        idle(1.5);
        return List.of(shoot("21-watched-cluster-run"));
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

    /** The demo tour: frontier with both dictionaries selected and compared, features sorted by kurtosis with the top feature's detail, an ablation, a training run, the dark theme, and the sweep's MCS matrix with a pair opened. */
    public List<Path> tour() throws Exception {
        var vm = app.vm();
        waitFor(
                "the demo's dictionaries on the frontier",
                300,
                () -> vm.frontier().points().size() >= 2);
        idle(300);
        onFx(() -> {
            vm.frontier().selectRectangle(0.1, 1e5, 0, 1);
            ((javafx.scene.control.Button) stage.getScene().lookup("#compareSelected"))
                    .fire(); // the label shows their MMCS
            return null;
        });
        waitFor(
                "the comparison of the two",
                120,
                () -> vm.frontier().comparisonProperty().get() != null);
        idle(200);
        Path frontier = shoot("1-frontier");
        javafx.scene.control.Alert about = onFx(() -> app.window().showAbout());
        idle(200);
        Path aboutShot = shootScreen("1b-about");
        onFx(() -> {
            about.close();
            return null;
        });
        String sparse = onFx(() -> vm.frontier().points().stream()
                .max(java.util.Comparator.comparingDouble(FrontierPoint::fvu))
                .orElseThrow()
                .id());
        onFx(() -> {
            vm.open(sparse);
            return null;
        });
        waitFor("the feature table", 300, () -> !vm.features().rows().isEmpty());
        int top = onFx(() -> {
            var table = app.window().features.table;
            var kurt = table.getColumns().stream()
                    .filter(c -> "kurtosis".equals(c.getText()))
                    .findFirst()
                    .orElseThrow();
            kurt.setSortType(javafx.scene.control.TableColumn.SortType.DESCENDING);
            table.getSortOrder().setAll(List.of(kurt));
            table.sort();
            FeatureRow first = table.getItems().get(0);
            vm.features().selectedFeatureProperty().set(first.index());
            return first.index();
        });
        waitFor(
                "examples of feature " + top,
                120,
                () -> !vm.detail().topExamples().isEmpty());
        idle(60);
        Path features = shoot("2-features-and-detail");
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(3);
            vm.ablation().featuresProperty().set(Integer.toString(top));
            // on its own top contexts, where the feature fires (the corpus's first windows may never reach it)
            vm.ablation()
                    .textSourceProperty()
                    .set(org.sparsescope.viewmodels.ablation.AblationViewModel.TextSource.TOP_CONTEXTS);
            vm.runAblation();
            return null;
        });
        waitFor(
                "the ablation result",
                300,
                () -> !Double.isNaN(vm.ablation().deltaPerplexityProperty().get())
                        && !vm.ablation().runningProperty().get());
        Path ablation = shoot("3-ablation");
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(4);
            vm.training().l1ValuesProperty().set("1e-3, 4e-3, 1.2e-2");
            vm.training().tiedL1ValuesProperty().set("1e-3, 4e-3");
            vm.training().ratiosProperty().set("1");
            vm.training().epochsProperty().set(2);
            vm.training().batchProperty().set(1024);
            app.window().training.start.fire();
            return null;
        });
        waitFor("the sweep to end", 600, () -> !vm.training().runningProperty().get());
        if (!onFx(() -> vm.training().statusProperty().get().startsWith("done"))) {
            throw new IllegalStateException("the sweep did not finish: "
                    + onFx(() -> vm.training().statusProperty().get() + "; "
                            + vm.workspace().errorProperty().get()));
        }
        Path training = shoot("4-training");
        // the form of a synthetic set, opened as a click opens it (its dialog waits, so it is not opened on this call)
        javafx.application.Platform.runLater(
                () -> app.window().training.synthetic.fire());
        waitFor("the synthetic set's form", 100, () -> dialog("syntheticDialog") != null);
        Thread.sleep(500);
        Path synthetic = shootScreen("4b-synthetic-set-form");
        onFx(() -> {
            ((javafx.scene.control.Button)
                            dialog("syntheticDialog").lookupButton(javafx.scene.control.ButtonType.CANCEL))
                    .fire();
            return null;
        });
        waitFor("the form closed", 100, () -> dialog("syntheticDialog") == null);
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(0);
            app.window().toggleTheme();
            return null;
        });
        Path dark =
                shoot("5-frontier-" + (onFx(() -> app.window().darkTheme()) ? "dark" : "light") + "-after-training");
        onFx(() -> {
            app.window().toggleTheme();
            // the sweep's matrix: every dictionary of the pair selected on the frontier, then its smallest against its
            // largest opened
            vm.frontier().selectRectangle(0.1, 1e5, 0, 10);
            app.window().tabs.getSelectionModel().select(2);
            return null;
        });
        waitFor(
                "the MCS matrix",
                300,
                () -> vm.mcs().matrixProperty().get() != null
                        && vm.mcs().matrixProperty().get().dictionaries().size()
                                == vm.frontier().points().size());
        onFx(() -> {
            int n = vm.mcs().matrixProperty().get().dictionaries().size();
            vm.mcs().openCell(0, n - 1);
            return null;
        });
        waitFor("the matched features", 600, () -> vm.mcs().detailProperty().get() != null);
        idle(120);
        onFx(() -> {
            app.window().mcs.pairTable.getSelectionModel().select(0);
            return null;
        });
        Path mcs = shoot("5b-mcs-matrix-with-pair");
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(0);
            return null;
        });
        List<Path> explainedShots = new java.util.ArrayList<>();
        if (onFx(() -> !vm.features().explainedByProperty().get().isEmpty())) {
            // an explained dictionary (`autointerp` ran on it): its best-explained features first, last in the tour
            onFx(() -> {
                app.window().tabs.getSelectionModel().select(1);
                return null;
            });
            int best = onFx(() -> {
                var table = app.window().features.table;
                var det = table.getColumns().stream()
                        .filter(c -> "column-detection".equals(c.getId()))
                        .findFirst()
                        .orElseThrow();
                det.setSortType(javafx.scene.control.TableColumn.SortType.DESCENDING);
                table.getSortOrder().setAll(List.of(det));
                table.sort();
                table.scrollTo(0);
                FeatureRow first = table.getItems().get(0);
                vm.features().selectedFeatureProperty().set(first.index());
                return first.index();
            });
            waitFor(
                    "examples of feature " + best,
                    120,
                    () -> !vm.detail().topExamples().isEmpty());
            idle(60);
            explainedShots.add(shoot("2c-features-explained"));
            // what was asked and answered for that feature, as a researcher checks it
            onFx(() -> {
                app.window().detail.prompts.fire();
                return null;
            });
            waitFor("the prompts and answers", 100, () -> dialog("exchangesDialog") != null);
            Thread.sleep(500);
            explainedShots.add(shootScreen("2d-autointerp-prompts"));
            closeDialog("exchangesDialog", javafx.scene.control.ButtonType.CLOSE);
            // the form of another run
            onFx(() -> {
                AutointerpDialog.dialog(app.window().stage(), vm).show();
                return null;
            });
            waitFor("the autointerp form", 100, () -> dialog("autointerpDialog") != null);
            Thread.sleep(500);
            explainedShots.add(shootScreen("2e-autointerp-form"));
            closeDialog("autointerpDialog", javafx.scene.control.ButtonType.CANCEL);
            // the seed's comparison: each explained dictionary's mean score against its L0, beside the baselines
            waitFor(
                    "the stored scores",
                    100,
                    () -> vm.workspace().dictionaries().stream()
                            .anyMatch(e -> vm.autointerpScores().of(e.id()) != null));
            onFx(() -> {
                app.window().tabs.getSelectionModel().select(0);
                vm.frontier()
                        .yAxisProperty()
                        .set(org.sparsescope.viewmodels.frontier.FrontierViewModel.YAxis.DETECTION);
                return null;
            });
            idle(60);
            explainedShots.add(shoot("5c-score-frontier"));
            onFx(() -> {
                vm.frontier().yAxisProperty().set(org.sparsescope.viewmodels.frontier.FrontierViewModel.YAxis.FVU);
                return null;
            });
        }
        List<Path> all = new java.util.ArrayList<>(
                List.of(frontier, aboutShot, features, ablation, training, synthetic, dark, mcs));
        all.addAll(explainedShots);
        return all;
    }

    /**
     * The tour of one opened sweep: its frontier (with the pair's PCA line), the MCS matrix of the members whose
     * names start with {@code prefix} with its smallest against its largest opened, and the first opened
     * dictionary's feature table sorted by capacity.
     */
    public List<Path> sweepTour(List<Path> opened, String prefix) throws Exception {
        var vm = app.vm();
        List<Path> shots = new java.util.ArrayList<>();
        waitFor(
                "every opened dictionary measured",
                1800,
                () -> opened.stream().allMatch(p -> {
                    var e = vm.workspace().find(p.toString());
                    return e != null && e.measured();
                }));
        // the sweep's own model and hook on the frontier, not whichever pair the workspace showed first
        onFx(() -> {
            vm.frontier().showPair(vm.workspace().find(opened.get(0).toString()).pairKey());
            return null;
        });
        waitFor("the PCA baseline", 600, () -> vm.frontier().baselineProperty().get() != null);
        idle(600);
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(0);
            return null;
        });
        shots.add(shoot("10-sweep-frontier-with-pca"));
        if (onFx(() -> vm.frontier().syntheticProperty().get())) {
            // a synthetic set's sweep: the same dictionaries by how much of the truth each recovers
            waitFor(
                    "every member scored against the ground truth",
                    600,
                    () -> vm.frontier().points().stream().noneMatch(p -> Double.isNaN(p.truthMmcs())));
            onFx(() -> {
                vm.frontier().yAxisProperty().set(FrontierViewModel.YAxis.TRUTH_MMCS);
                return null;
            });
            idle(300);
            shots.add(shoot("10b-sweep-mmcs-to-truth"));
            onFx(() -> {
                vm.frontier().yAxisProperty().set(FrontierViewModel.YAxis.FVU);
                return null;
            });
        }
        idle(120);
        if (onFx(() -> vm.frontier().points().stream()
                .anyMatch(p -> vm.autointerpScores().of(p.id()) != null))) {
            // an explained sweep: each member's mean detection score against its L0, the baselines beside
            onFx(() -> {
                vm.frontier().yAxisProperty().set(FrontierViewModel.YAxis.DETECTION);
                return null;
            });
            idle(300);
            shots.add(shoot("10c-sweep-detection-score"));
            onFx(() -> {
                vm.frontier().yAxisProperty().set(FrontierViewModel.YAxis.FVU);
                return null;
            });
        }
        List<String> members = onFx(() -> vm.frontier().points().stream()
                .filter(p -> p.label().startsWith(prefix))
                .map(FrontierPoint::id)
                .toList());
        onFx(() -> {
            vm.frontier().select(members);
            app.window().tabs.getSelectionModel().select(2);
            return null;
        });
        waitFor(
                "the MCS matrix",
                600,
                () -> vm.mcs().matrixProperty().get() != null
                        && vm.mcs().matrixProperty().get().dictionaries().size() == members.size());
        onFx(() -> {
            vm.mcs().openCell(0, members.size() - 1);
            return null;
        });
        waitFor("the matched features", 1800, () -> vm.mcs().detailProperty().get() != null);
        idle(600);
        onFx(() -> {
            app.window().mcs.pairTable.getSelectionModel().select(0);
            return null;
        });
        shots.add(shoot("11-sweep-mcs-matrix-with-pair"));
        String first = opened.get(0).toString();
        openAndWait(first);
        onFx(() -> {
            var table = app.window().features.table;
            var capacity = table.getColumns().stream()
                    .filter(c -> "capacity".equals(c.getText()))
                    .findFirst()
                    .orElseThrow();
            capacity.setSortType(javafx.scene.control.TableColumn.SortType.DESCENDING);
            table.getSortOrder().setAll(List.of(capacity));
            table.sort();
            vm.features().selectedFeatureProperty().set(table.getItems().get(0).index());
            return null;
        });
        waitFor(
                "examples (or, on a synthetic set, neighbours) of the first feature",
                300,
                () -> !vm.detail().topExamples().isEmpty()
                        || !vm.detail().nearest().isEmpty());
        idle(120);
        shots.add(shoot("12-sweep-features-by-capacity"));
        return shots;
    }

    /**
     * The circuits tour of dictionaries opened at hooks of one model: their chain's ablation graph (top 6 by
     * kurtosis, followed), again with the threshold at 20% and a node of the middle column hovered, the restoration
     * graph, then the first one's outlier dimensions and the tokens it costs the model most.
     */
    public List<Path> circuitsTour(List<Path> opened) throws Exception {
        var vm = app.vm();
        List<Path> shots = new java.util.ArrayList<>();
        waitFor(
                "every opened dictionary measured",
                1800,
                () -> opened.stream().allMatch(p -> {
                    var e = vm.workspace().find(p.toString());
                    return e != null && e.measured();
                }));
        idle(600);
        var g = vm.graph();
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(5);
            for (Path p : opened) {
                g.setInChain(p.toString(), true);
            }
            g.upstreamProperty().set(org.sparsescope.viewmodels.circuits.GraphViewModel.Upstream.TOP);
            g.topProperty().set(6);
            g.followProperty().set(6);
            g.windowsProperty().set(16);
            g.run();
            return null;
        });
        waitFor(
                "the ablation graph",
                1800,
                () -> !g.runningProperty().get() && g.graphProperty().get() != null);
        idle(600);
        shots.add(shoot("13-circuits-chain"));
        onFx(() -> {
            g.thresholdProperty().set(0.2);
            var middle = g.layoutProperty().get().columns().get(1).nodes();
            app.window().graph.plot.hover(middle.isEmpty() ? null : middle.get(0));
            return null;
        });
        shots.add(shoot("14-circuits-threshold-20pct-hover"));
        onFx(() -> {
            g.thresholdProperty().set(0.01);
            g.methodProperty().set(org.sparsescope.viewmodels.Choices.GraphMethod.RESTORE);
            g.run();
            return null;
        });
        waitFor(
                "the restoration graph",
                1800,
                () -> !g.runningProperty().get()
                        && g.graphProperty().get().method()
                                == org.sparsescope.compute.circuits.FeatureGraph.Method.RESTORE);
        idle(600);
        shots.add(shoot("15-circuits-restoration"));
        String first = opened.get(0).toString();
        openAndWait(first);
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(3);
            app.window().ablation.views.getSelectionModel().select(1);
            vm.runOutliers();
            return null;
        });
        waitFor(
                "the outlier dimensions",
                600,
                () -> !vm.ablation().runningProperty().get()
                        && !vm.ablation().outliers().isEmpty());
        shots.add(shoot("16-outlier-dimensions"));
        onFx(() -> {
            app.window().ablation.views.getSelectionModel().select(2);
            vm.runSpliceCosts(25);
            return null;
        });
        waitFor(
                "the costliest tokens",
                600,
                () -> !vm.ablation().runningProperty().get()
                        && !vm.ablation().costlyTokens().isEmpty());
        shots.add(shoot("17-where-the-dictionary-costs"));
        return shots;
    }

    /**
     * The prompt tour on an opened dictionary: the inspector on a prompt of our own with a token clicked and a feature
     * drawn over the text (its loss effect below), then a steered continuation beside the clean one.
     */
    public List<Path> promptTour(String dictionary, String text, String steering) throws Exception {
        var vm = app.vm();
        List<Path> shots = new java.util.ArrayList<>();
        waitFor(
                "the dictionary measured",
                1800,
                () -> vm.workspace().find(dictionary) != null
                        && vm.workspace().find(dictionary).measured());
        idle(600);
        openAndWait(dictionary);
        var in = vm.inspector();
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(6);
            app.window().prompt.views.getSelectionModel().select(0);
            in.textProperty().set(text);
            return null;
        });
        waitFor(
                "the inspection",
                300,
                () -> in.inspectionProperty().get() != null && !in.ranked().isEmpty());
        onFx(() -> {
            app.window().prompt.ranked.getSelectionModel().select(0); // highlights the prompt's strongest feature
            var top = in.ranked().get(0);
            float[] act =
                    in.inspectionProperty().get().readings().get(top.column()).of(top.feature());
            int t = 0;
            for (int i = 1; i < act.length; i++) {
                t = act[i] > act[t] ? i : t;
            }
            in.selectedTokenProperty().set(t); // where it fires most
            return null;
        });
        waitFor(
                "the highlighted feature's loss effect",
                300,
                () -> in.tokens().stream().anyMatch(l -> !Float.isNaN(l.lossEffect())));
        idle(120);
        shots.add(shoot("18-prompt-inspector"));
        var g = vm.generation();
        onFx(() -> {
            app.window().prompt.views.getSelectionModel().select(1);
            g.promptProperty()
                    .set(
                            text.length() > 60 && text.lastIndexOf(' ', 60) > 0
                                    ? text.substring(0, text.lastIndexOf(' ', 60))
                                    : text);
            g.steeringProperty().set(steering);
            vm.runGeneration();
            return null;
        });
        waitFor(
                "the continuations",
                300,
                () -> (!g.runningProperty().get() && !g.steeredProperty().get().isEmpty())
                        || vm.workspace().errorProperty().get() != null);
        Object failed = onFx(() -> vm.workspace().errorProperty().get());
        if (failed != null) { // a --steer naming a feature the dictionary lacks, say: stop with why, not a timeout
            throw new IllegalStateException("the steered generation " + steering + " failed: " + failed);
        }
        shots.add(shoot("19-steered-generation"));
        // the completed feature detail, top to bottom, for the prompt's strongest feature
        int feature = onFx(() -> in.ranked().get(0).feature());
        onFx(() -> {
            vm.features().selectedFeatureProperty().set(feature);
            return null;
        });
        waitFor(
                "the feature's detail",
                300,
                () -> vm.detail().featureProperty().get() == feature
                        && !vm.detail().bands().isEmpty()
                        && !vm.detail().correlated().isEmpty());
        idle(120);
        for (double[] at : new double[][] {{0, 'a'}, {0.45, 'b'}, {1, 'c'}}) {
            onFx(() -> {
                app.window().detail.setVvalue(at[0]);
                return null;
            });
            Thread.sleep(300);
            shots.add(shoot("20" + (char) at[1] + "-feature-detail"));
        }
        return shots;
    }

    /** Opens a workspace dictionary in the feature views and waits for its table. */
    private void openAndWait(String id) throws Exception {
        var vm = app.vm();
        onFx(() -> {
            vm.open(id);
            return null;
        });
        waitFor(
                "the features of " + id,
                600,
                () -> vm.openDictionaryProperty().get() != null
                        && vm.openDictionaryProperty().get().id().equals(id)
                        && !vm.features().rows().isEmpty());
    }

    /** The whole X screen, dialogs and popups included (the scene snapshot holds only the main window). */
    public Path shootScreen(String name) throws Exception {
        Files.createDirectories(out);
        Path file = out.resolve(name + ".png");
        java.awt.Rectangle screen =
                new java.awt.Rectangle(java.awt.Toolkit.getDefaultToolkit().getScreenSize());
        ImageIO.write(new java.awt.Robot().createScreenCapture(screen), "png", file.toFile());
        return file;
    }

    /**
     * The tour across hooks, for dictionaries opened besides the demo's: the question for a dictionary that
     * names no model or hook (answered with {@code answerModel} and {@code answerHook}), the pair selector open,
     * the frontier of every pair, and the refusal to measure a dictionary on another pair's set.
     */
    public List<Path> hooksTour(List<Path> opened, String answerModel, String answerHook) throws Exception {
        var vm = app.vm();
        List<Path> shots = new java.util.ArrayList<>();
        waitFor(
                "every dictionary placed or asked about",
                600,
                () -> opened.stream().allMatch(p -> {
                            var e = vm.workspace().find(p.toString());
                            return e != null
                                    && e.status()
                                            != org.sparsescope.viewmodels.workspace.DictionaryEntry.Status.PREPARING;
                        })
                        || dialog() != null);
        // questions come one at a time, each naming its file: every one is shot and answered in turn
        for (int asked = 1; dialog() != null; asked++) {
            Thread.sleep(500);
            shots.add(shootScreen("6-provenance-dialog" + (asked == 1 ? "" : "-" + asked)));
            if (answerModel == null) {
                break; // nothing to answer with: the rows stay "ask"
            }
            javafx.scene.control.DialogPane answered = onFx(() -> {
                javafx.scene.control.DialogPane pane = dialog();
                @SuppressWarnings("unchecked")
                var model = (javafx.scene.control.ComboBox<String>) pane.lookup("#provenanceModel");
                @SuppressWarnings("unchecked")
                var hook = (javafx.scene.control.ComboBox<String>) pane.lookup("#provenanceHook");
                model.getEditor().setText(answerModel);
                hook.getEditor().setText(answerHook);
                ((javafx.scene.control.Button) pane.lookupButton(javafx.scene.control.ButtonType.OK)).fire();
                return pane;
            });
            // the next question (if any) opens once this one is answered and its dictionary placed
            waitFor("the answer taken", 600, () -> dialog() != answered);
            idle(60);
        }
        waitFor(
                "every dictionary measured",
                600,
                () -> opened.stream()
                        .allMatch(p -> vm.workspace().find(p.toString()) != null
                                && vm.workspace().find(p.toString()).status()
                                        != org.sparsescope.viewmodels.workspace.DictionaryEntry.Status.PREPARING));
        idle(300);
        @SuppressWarnings("unchecked")
        var selector = (javafx.scene.control.ComboBox<org.sparsescope.viewmodels.workspace.HookPair>)
                stage.getScene().lookup("#pairSelector");
        onFx(() -> {
            app.window().tabs.getSelectionModel().select(0);
            selector.show();
            return null;
        });
        Thread.sleep(700);
        shots.add(shootScreen("7-pair-selector"));
        onFx(() -> {
            selector.hide();
            return null;
        });
        int n = onFx(() -> vm.frontier().pairs().size());
        for (int i = 0; i < n; i++) {
            int at = i;
            onFx(() -> {
                selector.getSelectionModel().select(at);
                return null;
            });
            idle(60);
            shots.add(shoot("8-frontier-pair-" + (i + 1)));
        }
        // open one dictionary of the last pair, then ask to measure it on the first pair's set: refused (with one
        // pair there is no other pair's set to refuse, so the tour ends at the frontiers)
        if (n < 2) {
            System.err.println(
                    "screenshots: the dictionaries opened sit on one (model, hook) pair, so there is no other pair's set to refuse");
            return shots;
        }
        var last = onFx(() -> vm.frontier().points().get(0).id());
        onFx(() -> {
            vm.open(last);
            return null;
        });
        waitFor(
                "the features of " + last,
                300,
                () -> vm.openDictionaryProperty().get() != null
                        && vm.openDictionaryProperty().get().id().equals(last)
                        && !vm.features().rows().isEmpty());
        Path other = onFx(() -> vm.workspace().dictionaries().stream()
                .filter(e -> e.activations() != null
                        && !e.pairKey().equals(vm.workspace().find(last).pairKey()))
                .findFirst()
                .orElseThrow()
                .activations());
        onFx(() -> {
            vm.workspace().measureOn(last, other);
            return null;
        });
        idle(120);
        Thread.sleep(700);
        shots.add(shootScreen("9-refusal"));
        return shots;
    }

    private static javafx.scene.control.DialogPane dialog() {
        return dialog("provenanceDialog");
    }

    private void closeDialog(String id, javafx.scene.control.ButtonType button) throws Exception {
        onFx(() -> {
            ((javafx.scene.control.Button) dialog(id).lookupButton(button)).fire();
            return null;
        });
        waitFor("the " + id + " closed", 100, () -> dialog(id) == null);
    }

    private static javafx.scene.control.DialogPane dialog(String id) {
        for (javafx.stage.Window w : javafx.stage.Window.getWindows()) {
            if (w.getScene() != null
                    && w.getScene().getRoot() instanceof javafx.scene.control.DialogPane p
                    && id.equals(p.getId())) {
                return p;
            }
        }
        return null;
    }

    /** Light or dark theme for the shots that follow. */
    public void theme(boolean dark) throws Exception {
        onFx(() -> {
            app.window().setDarkTheme(dark);
            return null;
        });
    }

    /** Sizes the window as a screen of {@code width}×{@code height} would fit it. */
    public void resize(double width, double height) throws Exception {
        onFx(() -> {
            stage.setX(0);
            stage.setY(0);
            stage.setWidth(width);
            stage.setHeight(height);
            return null;
        });
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
