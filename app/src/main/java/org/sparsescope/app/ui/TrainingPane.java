package org.sparsescope.app.ui;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.training.TrainPoint;

/** Start a sweep on the workspace's activations, watch loss, L0 and FVU live, cancel, resume. */
final class TrainingPane extends BorderPane {
    final Button start = new Button("Start");
    final Button synthetic = new Button("Synthetic…");
    final Button cancel = new Button("Cancel");
    final Label status = new Label();
    private final LineChart<Number, Number> loss = chart("loss");
    private final LineChart<Number, Number> l0 = chart("L0");
    private final LineChart<Number, Number> fvu = chart("FVU");
    private final Map<String, XYChart.Series<Number, Number>[]> series = new HashMap<>();

    TrainingPane(MainViewModel vm) {
        getStyleClass().add("pane");
        start.setId("trainStart");
        cancel.setId("trainCancel");
        status.setId("trainStatus");
        TextField l1 = new TextField();
        l1.setPrefColumnCount(16);
        l1.textProperty().bindBidirectional(vm.training().l1ValuesProperty());
        TextField k = new TextField();
        k.setPromptText("e.g. 16, 32");
        k.textProperty().bindBidirectional(vm.training().kValuesProperty());
        TextField tied = new TextField();
        tied.setId("trainTiedL1");
        tied.setPromptText("e.g. 1e-3, 4e-3");
        tied.textProperty().bindBidirectional(vm.training().tiedL1ValuesProperty());
        TextField batchK = new TextField();
        batchK.setId("trainBatchTopK");
        batchK.setPromptText("e.g. 32");
        batchK.textProperty().bindBidirectional(vm.training().batchKValuesProperty());
        TextField ratios = new TextField();
        ratios.textProperty().bindBidirectional(vm.training().ratiosProperty());
        Spinner<Integer> epochs =
                new Spinner<>(1, 50, vm.training().epochsProperty().get());
        epochs.valueProperty()
                .addListener((o, a, b) -> vm.training().epochsProperty().set(b));
        vm.training()
                .epochsProperty()
                .addListener((o, a, b) -> epochs.getValueFactory().setValue(b.intValue()));
        Spinner<Integer> batch =
                new Spinner<>(64, 65536, vm.training().batchProperty().get(), 256);
        batch.valueProperty()
                .addListener((o, a, b) -> vm.training().batchProperty().set(b));
        vm.training()
                .batchProperty()
                .addListener((o, a, b) -> batch.getValueFactory().setValue(b.intValue()));
        start.disableProperty().bind(vm.training().runningProperty());
        cancel.disableProperty().bind(vm.training().runningProperty().not());
        start.setOnAction(e -> vm.training()
                .start(vm.workspace()
                        .workspaceDirProperty()
                        .get()
                        .resolve("dictionaries")
                        .resolve("sweep")));
        cancel.setOnAction(e -> vm.training().cancel());
        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(6);
        form.setPadding(new Insets(8));
        form.addRow(0, new Label("untied l1 values"), l1, new Label("TopK k values"), k);
        form.addRow(1, new Label("sizes (× d)"), ratios, new Label("epochs"), epochs);
        form.addRow(2, new Label("batch"), batch, new Label("tied l1 values"), tied);
        Spinner<Double> auxk =
                new Spinner<>(0.0, 1.0, vm.training().auxkAlphaProperty().get(), 0.03125);
        auxk.setEditable(true);
        auxk.setTooltip(
                new javafx.scene.control.Tooltip(
                        "TopK and BatchTopK members: sparsify's AuxK loss on latents dead for 10M tokens (0: none; sparsify uses 1/32)"));
        auxk.valueProperty()
                .addListener((o, a, b) -> vm.training().auxkAlphaProperty().set(b));
        form.addRow(3, new Label("AuxK α"), auxk, new Label("BatchTopK k values"), batchK);
        // where the activations come from: the shown pair's set, or a new harvest from a model, a hook and a corpus
        Label set = new Label();
        set.setWrapText(true);
        set.textProperty()
                .bind(javafx.beans.binding.Bindings.createStringBinding(
                        () -> vm.workspace().activationsProperty().get() == null
                                ? "no activation set yet"
                                : "trains on "
                                        + (vm.workspace()
                                                        .activationsSiteProperty()
                                                        .get()
                                                        .isEmpty()
                                                ? ""
                                                : vm.workspace()
                                                                .activationsSiteProperty()
                                                                .get()
                                                        + ": ")
                                        + vm.workspace()
                                                .activationsProperty()
                                                .get()
                                                .getFileName(),
                        vm.workspace().activationsProperty(),
                        vm.workspace().activationsSiteProperty()));
        TextField hook = new TextField("blocks.2.hook_resid_post");
        hook.setPrefColumnCount(16);
        TextField tokens = new TextField("200000");
        tokens.setPrefColumnCount(8);
        // a field shows what it holds ("200000", not "200"), and the form still fits a 1366-pixel screen
        double[] minWidths = {170, 100, 60, 190, 80, 100};
        javafx.scene.control.Control[] fields = {l1, k, ratios, hook, tokens, tied};
        for (int i = 0; i < fields.length; i++) {
            fields[i].setMinWidth(minWidths[i]);
            GridPane.setHgrow(fields[i], Priority.SOMETIMES);
        }
        epochs.setMinWidth(80);
        batch.setMinWidth(100);
        epochs.setPrefWidth(90);
        batch.setPrefWidth(110);
        Button harvest = new Button("Harvest…");
        harvest.setOnAction(e -> {
            javafx.stage.DirectoryChooser modelChooser = new javafx.stage.DirectoryChooser();
            modelChooser.setTitle("Model folder (config.json, model.safetensors, tokenizer.json)");
            java.io.File modelDir = modelChooser.showDialog(getScene().getWindow());
            if (modelDir == null) {
                return;
            }
            javafx.stage.FileChooser corpusChooser = new javafx.stage.FileChooser();
            corpusChooser.setTitle("Corpus (.txt, .jsonl, .xz)");
            java.io.File corpusFile = corpusChooser.showOpenDialog(getScene().getWindow());
            if (corpusFile == null) {
                return;
            }
            try {
                vm.workspace()
                        .harvest(
                                modelDir.toPath(),
                                hook.getText().strip(),
                                corpusFile.toPath(),
                                Long.parseLong(tokens.getText().strip()));
            } catch (NumberFormatException ex) {
                vm.workspace()
                        .fail(new IllegalArgumentException(
                                "tokens must be a whole number, not '" + tokens.getText() + "'"));
            }
        });
        synthetic.setId("syntheticSet");
        synthetic.setTooltip(new javafx.scene.control.Tooltip(
                "Make an activation set whose features are known (sparse sums of random directions), to see how much"
                        + " of the truth a sweep recovers"));
        synthetic.setOnAction(e -> SyntheticSetDialog.ask(getScene().getWindow(), vm));
        form.add(set, 0, 4, 4, 1);
        form.add(synthetic, 4, 4); // above Harvest…, in the form's own columns: it fits a 1366-pixel screen
        form.addRow(5, new Label("or harvest at hook"), hook, new Label("tokens"), tokens, harvest);
        form.getChildren().stream()
                .filter(n -> n instanceof Label || n instanceof Button)
                .forEach(n -> ((javafx.scene.control.Control) n)
                        .setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE)); // labels and buttons keep their words
        set.setMinWidth(0);
        ProgressBar bar = new ProgressBar();
        bar.setId("trainProgress");
        bar.setPrefHeight(18);
        bar.progressProperty().bind(vm.training().progressProperty());
        bar.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(bar, Priority.ALWAYS);
        status.textProperty().bind(vm.training().statusProperty());
        status.setMinWidth(0);
        bar.setMinWidth(80);
        Button recipe = new Button("For the cluster…");
        recipe.setId("clusterRecipe");
        recipe.setTooltip(new javafx.scene.control.Tooltip(
                "Write this sweep as sparsify command lines and a SAELens script (with a README) into a folder, for a"
                        + " GPU cluster; nothing is launched"));
        recipe.setOnAction(e -> {
            javafx.stage.DirectoryChooser c = new javafx.stage.DirectoryChooser();
            c.setTitle("Folder for the cluster recipe (sparsify.sh, saelens_*.py, README.md)");
            java.io.File f = c.showDialog(getScene().getWindow());
            if (f != null) {
                vm.training().writeRecipe(f.toPath());
            }
        });
        recipe.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        HBox controls = new HBox(8, start, cancel, recipe, bar, status);
        controls.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        controls.setPadding(new Insets(0, 8, 8, 8));
        setTop(new BorderPane(controls, form, null, null, null));
        HBox charts = new HBox(4, loss, l0, fvu);
        charts.getChildren().forEach(c -> {
            HBox.setHgrow(c, Priority.ALWAYS);
            ((javafx.scene.layout.Region) c).setMinWidth(0); // three charts share whatever width there is
        });
        // no dummy axes before the first step: the charts appear with their data
        Label empty = new Label("Start a sweep: the loss, L0 and FVU of every member are drawn here as it trains.");
        empty.getStyleClass().add("hint");
        javafx.scene.layout.StackPane center = new javafx.scene.layout.StackPane(charts, empty);
        charts.visibleProperty()
                .bind(javafx.beans.binding.Bindings.isNotEmpty(vm.training().points()));
        empty.visibleProperty().bind(charts.visibleProperty().not());
        setCenter(center);
        Label hint = new Label(
                "Sweep members also appear live, in red, on the frontier. Cancel keeps a checkpoint: start the same sweep to resume.");
        hint.getStyleClass().add("hint");
        setBottom(hint);
        vm.training().points().addListener((ListChangeListener<TrainPoint>) c -> {
            while (c.next()) {
                if (c.wasRemoved() && vm.training().points().isEmpty()) {
                    series.clear();
                    loss.getData().clear();
                    l0.getData().clear();
                    fvu.getData().clear();
                }
                for (TrainPoint p : c.getAddedSubList()) {
                    add(p);
                }
            }
        });
    }

    @SuppressWarnings("unchecked")
    private void add(TrainPoint p) {
        XYChart.Series<Number, Number>[] s = series.computeIfAbsent(p.member(), m -> {
            XYChart.Series<Number, Number>[] arr = new XYChart.Series[3];
            for (int i = 0; i < 3; i++) {
                arr[i] = new XYChart.Series<>();
                arr[i].setName(m);
            }
            loss.getData().add(arr[0]);
            l0.getData().add(arr[1]);
            fvu.getData().add(arr[2]);
            return arr;
        });
        s[0].getData().add(new XYChart.Data<>(p.step(), p.loss()));
        s[1].getData().add(new XYChart.Data<>(p.step(), p.l0()));
        s[2].getData().add(new XYChart.Data<>(p.step(), p.fvu()));
        for (LineChart<Number, Number> c : List.of(loss, l0, fvu)) {
            stepAxis((NumberAxis) c.getXAxis(), p.step());
        }
    }

    /** Steps from 0 to a round number past {@code step}, in about four ticks: auto-ranged ticks ran into each other. */
    private static void stepAxis(NumberAxis x, long step) {
        double unit = org.sparsescope.app.plot.Axis.niceStep(Math.max(1, step) / 4.0);
        double upper = Math.max(unit, Math.ceil(step / unit) * unit);
        if (x.getUpperBound() != upper || x.getTickUnit() != unit) {
            x.setUpperBound(upper);
            x.setTickUnit(unit);
        }
    }

    private static LineChart<Number, Number> chart(String y) {
        NumberAxis xAxis = new NumberAxis(0, 100, 25);
        xAxis.setLabel("step");
        xAxis.setAutoRanging(false);
        xAxis.setMinorTickVisible(false);
        NumberAxis yAxis = new NumberAxis();
        yAxis.setLabel(y);
        yAxis.setForceZeroInRange(false);
        LineChart<Number, Number> c = new LineChart<>(xAxis, yAxis);
        c.setCreateSymbols(false);
        c.setAnimated(false);
        c.setTitle(y);
        c.setLegendVisible(y.equals("loss"));
        return c;
    }
}
