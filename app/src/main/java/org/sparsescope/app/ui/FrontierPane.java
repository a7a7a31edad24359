package org.sparsescope.app.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.collections.ListChangeListener;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.paint.Color;
import org.sparsescope.app.plot.ScatterPlot;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.frontier.FrontierPoint;
import org.sparsescope.viewmodels.frontier.FrontierViewModel;
import org.sparsescope.viewmodels.workspace.HookPair;

/**
 * L0 (log) against FVU for the dictionaries of one (model, hook) pair, chosen in the selector above the plot;
 * drag to select, click to pick, double-click to open; compare two.
 */
final class FrontierPane extends BorderPane {
    final ScatterPlot plot = new ScatterPlot();
    private final Label info = new Label("Drag a rectangle to select dictionaries; double-click one to open it.");

    FrontierPane(MainViewModel vm) {
        getStyleClass().add("pane");
        plot.setId("frontierPlot");
        plot.setAxes("L0: active features per token (log scale)", true, "FVU: fraction of variance unexplained", false);
        // FVU above 1 is worse than predicting the mean: such a dictionary sits at the top edge, not on the axis
        plot.setYCap(1.0, "with FVU > 1 (worse than predicting the mean), at the top edge");
        plot.setYFromZero(true);
        vm.frontier().points().addListener((ListChangeListener<FrontierPoint>) c -> refresh(vm, true));
        vm.frontier().baselineProperty().addListener((o, a, b) -> refresh(vm, true));
        vm.frontier().yAxisProperty().addListener((o, a, b) -> refresh(vm, true));
        vm.frontier().selection().addListener((ListChangeListener<String>) c -> {
            plot.setSelected(vm.frontier().selection());
            info.setText(vm.frontier().selection().size() + " selected");
        });
        plot.setOnSelect(ids -> vm.frontier().select(ids));
        plot.setOnClick(id -> vm.frontier().select(List.of(id)));
        plot.setOnOpen(vm::open);
        Button compare = new Button("Compare selected");
        compare.setId("compareSelected");
        compare.disableProperty()
                .bind(javafx.beans.binding.Bindings.size(vm.frontier().selection())
                        .isNotEqualTo(2));
        compare.setOnAction(e -> vm.frontier().compareSelected());
        vm.frontier()
                .comparisonProperty()
                .addListener((o, was, r) -> info.setText(String.format(
                        Locale.ROOT,
                        "MMCS %s → %s: %.4f (mean over %s's features of the best match in %s; %d ≥ 0.9)",
                        r.a(),
                        r.b(),
                        r.meanMaxCosine(),
                        r.a(),
                        r.b(),
                        r.matchedAbove09())));
        ComboBox<HookPair> pair = new ComboBox<>(vm.frontier().pairs());
        pair.setId("pairSelector");
        pair.setPromptText("no dictionaries placed yet");
        pair.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(HookPair p) {
                return p == null ? "" : p.display();
            }

            @Override
            public HookPair fromString(String s) {
                return null;
            }
        });
        pair.setCellFactory(list -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(HookPair p, boolean empty) {
                super.updateItem(p, empty);
                setText(empty || p == null ? null : p.display());
            }
        });
        pair.valueProperty().addListener((o, a, b) -> {
            if (b != null && !b.samePair(vm.frontier().shownPairProperty().get())) {
                vm.frontier().showPair(b);
            }
        });
        vm.frontier().shownPairProperty().addListener((o, a, b) -> pair.setValue(b));
        // replacing the items (a count changed) clears a ComboBox's value after our listener ran: set it again
        vm.frontier().pairs().addListener((ListChangeListener<HookPair>) c -> javafx.application.Platform.runLater(
                () -> pair.setValue(vm.frontier().shownPairProperty().get())));
        pair.setValue(vm.frontier().shownPairProperty().get());
        Label pairLabel = new Label("model @ hook");
        pairLabel.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        pair.setMinWidth(120); // the selector gives way first on a narrow screen, never its label
        HBox top = new HBox(8, pairLabel, pair);
        top.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        top.getStyleClass().add("bar");
        setTop(top);
        // a synthetic set's own controls sit by its pair, where there is room at any window size
        Button fit = new Button("Fit");
        fit.setOnAction(e -> {
            plot.fit();
            plot.redraw();
        });
        javafx.scene.control.CheckBox pca = new javafx.scene.control.CheckBox("baselines");
        pca.setTooltip(new javafx.scene.control.Tooltip(
                "PCA (top k components), the neuron basis (each row's k largest coordinates) and random directions"
                        + " with ReLU (each row's k largest codes): what no learning gives at each L0"));
        pca.setId("frontierPca");
        pca.selectedProperty().bindBidirectional(vm.frontier().showBaselineProperty());
        javafx.scene.control.CheckBox names = new javafx.scene.control.CheckBox("names");
        names.setId("frontierNames");
        names.selectedProperty().addListener((o, a, b) -> plot.setShowNames(b));
        javafx.scene.control.CheckBox truthAxis = new javafx.scene.control.CheckBox("MMCS to truth");
        truthAxis.setId("frontierTruthAxis");
        truthAxis.setTooltip(new javafx.scene.control.Tooltip(
                "On a synthetic set: plot each dictionary's MMCS to the ground truth (mean over true features of the"
                        + " best cosine with its decoder) instead of FVU"));
        truthAxis
                .visibleProperty()
                .bind(javafx.beans.binding.Bindings.equal(true, vm.frontier().syntheticProperty()));
        truthAxis.managedProperty().bind(truthAxis.visibleProperty());
        truthAxis.selectedProperty().addListener((o, a, on) -> {
            var y = vm.frontier().yAxisProperty();
            if (on) {
                y.set(FrontierViewModel.YAxis.TRUTH_MMCS);
            } else if (y.get() == FrontierViewModel.YAxis.TRUTH_MMCS) {
                y.set(FrontierViewModel.YAxis.FVU);
            }
        });
        vm.frontier()
                .yAxisProperty()
                .addListener((o, a, y) -> truthAxis.setSelected(y == FrontierViewModel.YAxis.TRUTH_MMCS));
        javafx.scene.control.Spinner<Double> threshold = new javafx.scene.control.Spinner<>(
                0.5, 1.0, vm.frontier().recoveryThresholdProperty().get(), 0.01);
        threshold.setId("recoveryThreshold");
        threshold.setEditable(true);
        threshold.setPrefWidth(80);
        threshold.setTooltip(new javafx.scene.control.Tooltip(
                "the MCS at which a true feature counts as found (the research code's 0.9)"));
        threshold
                .valueProperty()
                .addListener(
                        (o, a, v) -> vm.frontier().recoveryThresholdProperty().set(v));
        Label found = new Label("found at MCS ≥");
        HBox thresholdBox = new HBox(4, found, threshold);
        thresholdBox.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        thresholdBox.visibleProperty().bind(truthAxis.visibleProperty());
        thresholdBox.managedProperty().bind(thresholdBox.visibleProperty());
        found.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        threshold.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        vm.frontier().recoveryThresholdProperty().addListener((o, a, b) -> refresh(vm, false));
        truthAxis.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        // once a dictionary of the workspace is explained: its mean autointerp score against L0
        javafx.scene.control.ComboBox<FrontierViewModel.YAxis> scoreAxis = Controls.choice(
                new FrontierViewModel.YAxis[] {
                    FrontierViewModel.YAxis.FVU, FrontierViewModel.YAxis.DETECTION, FrontierViewModel.YAxis.FUZZING
                },
                y -> switch (y) {
                    case DETECTION -> "y: detection score";
                    case FUZZING -> "y: fuzzing score";
                    default -> "y: FVU";
                });
        scoreAxis.setId("frontierScoreAxis");
        scoreAxis.setTooltip(new javafx.scene.control.Tooltip(
                "Autointerp: each explained dictionary's mean balanced accuracy over its explained features, with the"
                        + " neuron basis and random directions at this hook scored the same way"));
        scoreAxis.setValue(FrontierViewModel.YAxis.FVU);
        scoreAxis.valueProperty().addListener((o, a, y) -> {
            if (y != null
                    && (y != FrontierViewModel.YAxis.FVU
                            || vm.frontier().yAxisProperty().get() != FrontierViewModel.YAxis.TRUTH_MMCS)) {
                vm.frontier().yAxisProperty().set(y);
            }
        });
        vm.frontier().yAxisProperty().addListener((o, a, y) -> {
            if (y != FrontierViewModel.YAxis.TRUTH_MMCS) {
                scoreAxis.setValue(y);
            }
        });
        scoreAxis.setVisible(false);
        scoreAxis.managedProperty().bind(scoreAxis.visibleProperty());
        scoreAxis.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        vm.autointerpScores().updatesProperty().addListener((o, a, b) -> {
            scoreAxis.setVisible(vm.workspace().dictionaries().stream()
                    .anyMatch(e -> vm.autointerpScores().of(e.id()) != null));
            refresh(vm, false);
        });
        top.getChildren().addAll(truthAxis, thresholdBox, scoreAxis);
        HBox bar = new HBox(8, compare, fit, pca, names, info);
        bar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        for (javafx.scene.control.Control c : new javafx.scene.control.Control[] {compare, fit, pca, names}) {
            c.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE); // the message shrinks, never the buttons
        }
        // the message wraps onto a second line rather than losing its end (a comparison names both dictionaries)
        Controls.wrapping(info);
        bar.getStyleClass().add("bar");
        // a watched cluster run: what is watched, and a way to stop; skipped checkpoints in the tooltip
        Label watching = new Label();
        watching.setId("runWatchStatus");
        watching.textProperty().bind(vm.runWatch().statusProperty());
        Controls.wrapping(watching);
        javafx.scene.control.Tooltip notes = new javafx.scene.control.Tooltip();
        vm.runWatch().notes().addListener((ListChangeListener<String>) c -> notes.setText(String.join(
                "\n",
                vm.runWatch()
                        .notes()
                        .subList(
                                Math.max(0, vm.runWatch().notes().size() - 8),
                                vm.runWatch().notes().size()))));
        watching.setTooltip(notes);
        Button stopWatching = new Button("Stop watching");
        stopWatching.setOnAction(e -> vm.runWatch().stop());
        stopWatching.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        HBox watchBar = new HBox(8, watching, stopWatching);
        watchBar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        watchBar.getStyleClass().add("bar");
        watchBar.visibleProperty().bind(vm.runWatch().watchingProperty().isNotNull());
        watchBar.managedProperty().bind(watchBar.visibleProperty());
        setCenter(plot);
        setBottom(new javafx.scene.layout.VBox(watchBar, bar));
        refresh(vm, true);
    }

    private void refresh(MainViewModel vm, boolean fit) {
        FrontierViewModel.YAxis yAxis = vm.frontier().yAxisProperty().get();
        boolean mmcs = yAxis == FrontierViewModel.YAxis.TRUTH_MMCS;
        boolean score = yAxis == FrontierViewModel.YAxis.DETECTION || yAxis == FrontierViewModel.YAxis.FUZZING;
        boolean fvuAxis = yAxis == FrontierViewModel.YAxis.FVU;
        var scores = vm.autointerpScores();
        if (score) {
            plot.setAxes(
                    "L0: active features per token (log scale)",
                    true,
                    (yAxis == FrontierViewModel.YAxis.DETECTION ? "detection" : "fuzzing")
                            + " score: balanced accuracy, mean over explained features",
                    false);
            plot.setYCap(Double.NaN, "");
        } else if (mmcs) {
            plot.setAxes(
                    "L0: active features per token (log scale)",
                    true,
                    "MMCS of the ground truth to the dictionary",
                    false);
            plot.setYCap(Double.NaN, "");
        } else {
            plot.setAxes(
                    "L0: active features per token (log scale)", true, "FVU: fraction of variance unexplained", false);
            plot.setYCap(1.0, "with FVU > 1 (worse than predicting the mean), at the top edge");
        }
        List<ScatterPlot.Point> pts = new ArrayList<>();
        java.util.SortedSet<Integer> sizes = new java.util.TreeSet<>();
        boolean topk = false, live = false, watched = false, beyond = false, tied = false;
        for (FrontierPoint p : vm.frontier().points()) {
            var sc = scores.of(p.id());
            double y = switch (yAxis) {
                case TRUTH_MMCS -> p.truthMmcs();
                case DETECTION -> sc == null ? Double.NaN : sc.detectionMean();
                case FUZZING -> sc == null ? Double.NaN : sc.fuzzingMean();
                default -> p.fvu();
            };
            if (!fvuAxis && Double.isNaN(y)) {
                continue; // a live member, or one not scored yet
            }
            boolean isTied = p.architecture().equals("tied");
            Color c = p.watched()
                    ? WATCHED
                    : p.live() ? LIVE : p.architecture().equals("topk") ? TOPK : sizeColor(p.dSae());
            live |= p.live() && !p.watched();
            watched |= p.watched();
            topk |= !p.live() && p.architecture().equals("topk");
            tied |= !p.live() && isTied;
            beyond |= !mmcs && p.fvu() > 1;
            if (!p.live() && !p.architecture().equals("topk")) {
                sizes.add(p.dSae());
            }
            pts.add(new ScatterPlot.Point(
                    p.id(),
                    p.l0(),
                    y,
                    c,
                    String.format(
                            Locale.ROOT,
                            "%s%s%n%s%n%s, %d features%nL0 %.2f  FVU %.4f%s%s%s",
                            p.label(),
                            p.watched() ? "" : p.live() ? " (training)" : "",
                            p.site(),
                            p.architecture(),
                            p.dSae(),
                            p.l0(),
                            p.fvu(),
                            p.fvu() > 1 ? "\nworse than predicting the mean" : "",
                            Double.isNaN(p.truthMmcs())
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            "%nMMCS of the truth to it %.4f (found), of it to the truth %.4f"
                                                    + " (true)%n%.1f%% of true features found at MCS ≥ %.2f",
                                            p.truthMmcs(),
                                            p.dictionaryMmcs(),
                                            100 * p.recovered(),
                                            vm.frontier()
                                                    .recoveryThresholdProperty()
                                                    .get()),
                            sc == null ? "" : "\n" + scoreWords(sc)),
                    p.label(),
                    isTied));
        }
        List<ScatterPlot.LegendEntry> legend = new ArrayList<>();
        for (int n : sizes) {
            legend.add(new ScatterPlot.LegendEntry(
                    sizeColor(n), String.format(Locale.ROOT, "%,d features", n), ScatterPlot.Swatch.DOT));
        }
        if (tied) {
            legend.add(new ScatterPlot.LegendEntry(Color.GRAY, "tied (hollow)", ScatterPlot.Swatch.RING));
        }
        if (topk) {
            legend.add(new ScatterPlot.LegendEntry(TOPK, "TopK", ScatterPlot.Swatch.DOT));
        }
        if (live) {
            legend.add(new ScatterPlot.LegendEntry(LIVE, "training (live)", ScatterPlot.Swatch.DOT));
        }
        if (watched) {
            legend.add(new ScatterPlot.LegendEntry(WATCHED, "cluster run (watched)", ScatterPlot.Swatch.DOT));
        }
        if (beyond) {
            legend.add(new ScatterPlot.LegendEntry(Color.GRAY, "FVU > 1", ScatterPlot.Swatch.TRIANGLE));
        }
        List<ScatterPlot.Line> lines = new ArrayList<>();
        var b = vm.frontier().baselineProperty().get();
        if (score) {
            scoreBaselines(vm, yAxis, pts, lines, legend);
        }
        if (b != null && b.truth() != null && !score) {
            var t = b.truth();
            double y = mmcs ? 1.0 : t.noiseFloorFvu();
            lines.add(new ScatterPlot.Line(
                    TRUTH,
                    new double[] {t.trueL0()},
                    new double[] {y},
                    new String[] {
                        String.format(
                                Locale.ROOT,
                                "the ground truth itself%nL0 %.3f (true features per row)%n%s",
                                t.trueL0(),
                                mmcs
                                        ? "MMCS 1 by definition"
                                        : String.format(Locale.ROOT, "FVU %.5f: the noise floor", t.noiseFloorFvu()))
                    },
                    false));
            legend.add(new ScatterPlot.LegendEntry(
                    TRUTH, String.format(Locale.ROOT, "ground truth (L0 %.2f)", t.trueL0()), ScatterPlot.Swatch.DOT));
        }
        if (b != null && fvuAxis) {
            for (var basis : b.basis()) {
                Color color = basis.neurons() ? NEURONS : RANDOM;
                int n = basis.k().length;
                double[] xs = new double[n], ys = new double[n];
                String[] labels = new String[n];
                for (int i = 0; i < n; i++) {
                    xs[i] = Math.max(basis.l0()[i], 1e-3);
                    ys[i] = basis.fvu()[i];
                    labels[i] = String.format(
                            Locale.ROOT,
                            "%s (%,d), each row's top %d%nL0 %.2f  FVU %.4f%nmeasured on %,d held-out rows",
                            basis.kind(),
                            basis.features(),
                            basis.k()[i],
                            basis.l0()[i],
                            basis.fvu()[i],
                            basis.rows());
                }
                lines.add(new ScatterPlot.Line(color, xs, ys, labels, true));
                legend.add(new ScatterPlot.LegendEntry(
                        color,
                        basis.neurons()
                                ? "neuron basis (top k coordinates)"
                                : String.format(Locale.ROOT, "%,d random directions, ReLU, top k", basis.features()),
                        ScatterPlot.Swatch.LINE));
            }
        }
        if (b != null && fvuAxis) {
            int[] ks = b.components();
            double[] fvu = b.fvu();
            int n = ks.length;
            double[] xs = new double[n], ys = new double[n];
            String[] labels = new String[n];
            for (int i = 0; i < n; i++) {
                xs[i] = ks[i];
                ys[i] = fvu[i];
                labels[i] = String.format(
                        Locale.ROOT,
                        "PCA, top %d components%nL0 %d  FVU %.4f%nfit on %,d rows, measured on the last %,d",
                        ks[i],
                        ks[i],
                        fvu[i],
                        b.trainRows(),
                        b.heldOutRows());
            }
            lines.add(new ScatterPlot.Line(PCA, xs, ys, labels, true));
            legend.add(new ScatterPlot.LegendEntry(PCA, "PCA baseline (L0 = k)", ScatterPlot.Swatch.LINE));
        }
        plot.setLines(lines);
        plot.setPoints(pts, fit);
        plot.setLegend(legend);
        plot.setSelected(vm.frontier().selection());
    }

    /** A dictionary's autointerp scores in a tooltip's words. */
    private static String scoreWords(org.sparsescope.viewmodels.autointerp.AutointerpScores.Score sc) {
        return String.format(
                Locale.ROOT,
                "autointerp (%s): detection %.3f ± %.3f, fuzzing %.3f ± %.3f over %d explained of %d",
                sc.explainer(),
                sc.detectionMean(),
                sc.detectionStd(),
                sc.fuzzingMean(),
                sc.fuzzingStd(),
                sc.explained(),
                sc.features());
    }

    /** The baselines' mean scores at the shown pair, as level lines across the dictionaries' L0 range. */
    private static void scoreBaselines(
            MainViewModel vm,
            FrontierViewModel.YAxis yAxis,
            List<ScatterPlot.Point> pts,
            List<ScatterPlot.Line> lines,
            List<ScatterPlot.LegendEntry> legend) {
        var pair = vm.frontier().shownPairProperty().get();
        if (pair == null) {
            return;
        }
        double lo = pts.stream().mapToDouble(ScatterPlot.Point::x).min().orElse(1),
                hi = pts.stream().mapToDouble(ScatterPlot.Point::x).max().orElse(100);
        lo = Math.max(lo / 1.5, 1e-3);
        hi = Math.max(hi * 1.5, lo * 2);
        for (var e : vm.autointerpScores().baselines(pair)) {
            var sc = e.score();
            double y = yAxis == FrontierViewModel.YAxis.DETECTION ? sc.detectionMean() : sc.fuzzingMean();
            if (Double.isNaN(y)) {
                continue;
            }
            Color color = e.neurons() ? NEURONS : RANDOM;
            String words = String.format(Locale.ROOT, "%s: %.3f (%d explained)", e.kind(), y, sc.explained());
            lines.add(new ScatterPlot.Line(
                    color, new double[] {lo, hi}, new double[] {y, y}, new String[] {words, words}, true));
            legend.add(new ScatterPlot.LegendEntry(color, words, ScatterPlot.Swatch.LINE));
        }
    }

    private static final Color WATCHED = Color.rgb(0, 175, 170); // teal: no size, baseline or live colour near it
    private static final Color LIVE = Color.rgb(230, 80, 60),
            TOPK = Color.rgb(60, 160, 90),
            PCA = Color.rgb(120, 120, 120),
            NEURONS = Color.rgb(170, 120, 60),
            RANDOM = Color.rgb(150, 90, 170),
            TRUTH = Color.rgb(230, 150, 0);

    /** Colour by dictionary size: one hue per power of two. */
    private static Color sizeColor(int dSae) {
        double h = (Math.log(Math.max(1, dSae)) / Math.log(2) * 47) % 360;
        return Color.hsb(200 + h % 120, 0.7, 0.75);
    }
}
