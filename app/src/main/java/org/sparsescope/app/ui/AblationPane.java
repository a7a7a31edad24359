package org.sparsescope.app.ui;

import java.util.List;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.text.TextFlow;
import org.sparsescope.viewmodels.Choices;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.Numbers;
import org.sparsescope.viewmodels.ablation.AblationViewModel;
import org.sparsescope.viewmodels.ablation.CostlyTokenRow;
import org.sparsescope.viewmodels.ablation.OutlierRow;
import org.sparsescope.viewmodels.ablation.TokenDelta;

/** Remove features or steer along one, on the live model, and see the perplexity change and which tokens it touched. */
final class AblationPane extends BorderPane {
    final TextField features = new TextField();
    final Button run = new Button("Run");
    final Label delta = new Label("—");
    private final ScrollPane textBox = new ScrollPane();

    AblationPane(MainViewModel vm) {
        getStyleClass().add("pane");
        features.setId("ablationFeatures");
        run.setId("ablationRun");
        delta.setId("ablationDelta");
        features.setPromptText("features, e.g. 12, 40");
        features.textProperty().bindBidirectional(vm.ablation().featuresProperty());
        vm.features().selectedFeatureProperty().addListener((o, a, b) -> {
            if (b.intValue() >= 0) {
                features.setText(Integer.toString(b.intValue()));
            }
        });
        ChoiceBox<Choices.AblationMode> mode = new ChoiceBox<>();
        mode.getItems().addAll(Choices.AblationMode.values());
        mode.setConverter(Controls.converter(Choices.AblationMode::label));
        mode.valueProperty().bindBidirectional(vm.ablation().modeProperty());
        CheckBox steer = new CheckBox("steer instead, α =");
        steer.selectedProperty().bindBidirectional(vm.ablation().steeringProperty());
        Slider alpha = new Slider(-20, 20, 5);
        alpha.setShowTickLabels(true);
        alpha.setMajorTickUnit(10);
        alpha.valueProperty().bindBidirectional(vm.ablation().steeringAlphaProperty());
        Label alphaValue = new Label();
        alphaValue.textProperty().bind(alpha.valueProperty().asString("%.1f"));
        Spinner<Integer> windows =
                new Spinner<>(1, 256, vm.ablation().windowsProperty().get());
        windows.valueProperty()
                .addListener((o, a, b) -> vm.ablation().windowsProperty().set(b));
        vm.ablation()
                .windowsProperty()
                .addListener((o, a, b) -> windows.getValueFactory().setValue(b.intValue()));
        run.disableProperty().bind(vm.ablation().runningProperty());
        run.setOnAction(e -> vm.runAblation());
        Button cancel = new Button("Cancel");
        cancel.disableProperty().bind(vm.ablation().runningProperty().not());
        cancel.setOnAction(e -> vm.ablation().cancel());

        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(6);
        form.setPadding(new Insets(8));
        form.addRow(0, new Label("Features"), features, new Label("mode"), mode);
        form.addRow(1, steer, alpha, alphaValue);
        ChoiceBox<AblationViewModel.TextSource> source = new ChoiceBox<>();
        source.setId("ablationText");
        source.getItems().setAll(AblationViewModel.TextSource.values());
        source.setConverter(Controls.converter(t -> switch (t) {
            case CORPUS -> "the workspace's corpus";
            case PROMPT -> "the inspector's prompt";
            case TOP_CONTEXTS -> "the feature's top contexts";
        }));
        source.valueProperty().bindBidirectional(vm.ablation().textSourceProperty());
        windows.disableProperty().bind(source.valueProperty().isNotEqualTo(AblationViewModel.TextSource.CORPUS));
        form.addRow(2, new Label("Text"), source, new Label("windows of 128"), windows);
        form.addRow(3, new Label(""), new HBox(6, run, cancel));
        var ab = vm.ablation();
        Label clean = new Label(), spliced = new Label(), after = new Label();
        clean.textProperty()
                .bind(Bindings.createStringBinding(
                        () -> Numbers.plain(ab.cleanCeProperty().get(), 4) + " nats  (ppl "
                                + Numbers.plain(ab.cleanPerplexityProperty().get(), 3) + ")",
                        ab.cleanCeProperty(),
                        ab.cleanPerplexityProperty()));
        spliced.textProperty()
                .bind(Bindings.createStringBinding(
                        () -> Numbers.plain(ab.splicedCeProperty().get(), 4) + " nats  (ppl "
                                + Numbers.plain(ab.splicedPerplexityProperty().get(), 3) + ")",
                        ab.splicedCeProperty(),
                        ab.splicedPerplexityProperty()));
        after.textProperty()
                .bind(Bindings.createStringBinding(
                        () -> Numbers.plain(ab.ceProperty().get(), 4) + " nats  (ppl "
                                + Numbers.plain(ab.perplexityProperty().get(), 3) + ")",
                        ab.ceProperty(),
                        ab.perplexityProperty()));
        delta.textProperty()
                .bind(Bindings.createStringBinding(
                        () -> Numbers.signed(ab.deltaCeProperty().get(), 4) + " nats  (ppl "
                                + Numbers.signed(ab.deltaPerplexityProperty().get(), 3) + ")",
                        ab.deltaCeProperty(),
                        ab.deltaPerplexityProperty()));
        Label deltaName = new Label();
        deltaName
                .textProperty()
                .bind(Bindings.when(ab.againstSplicedProperty())
                        .then("ΔCE, the features' own effect (against spliced)")
                        .otherwise("ΔCE (against clean)"));
        GridPane results = new GridPane();
        results.setHgap(14);
        results.setVgap(2);
        results.setPadding(new Insets(8));
        results.getStyleClass().add("results");
        Label recovered = new Label();
        recovered
                .textProperty()
                .bind(Bindings.createStringBinding(
                        () -> Numbers.plain(ab.ceLossRecoveredProperty().get(), 4), ab.ceLossRecoveredProperty()));
        results.addRow(
                0,
                new Label("CE clean"),
                clean,
                new Label("spliced"),
                spliced,
                new Label("CE loss recovered"),
                recovered);
        results.addRow(1, new Label("intervened"), after, deltaName, delta);
        GridPane.setColumnSpan(deltaName, 2);
        GridPane.setColumnIndex(delta, 4);
        GridPane.setColumnSpan(delta, 2);
        textBox.setFitToWidth(true);
        vm.ablation().tokens().addListener((ListChangeListener<TokenDelta>) c -> showTokens(vm));
        BorderPane top = new BorderPane(results, form, null, null, null);
        setTop(top);
        Label legend = new Label();
        legend.textProperty()
                .bind(
                        Bindings.when(ab.againstSplicedProperty())
                                .then(
                                        "Each token tinted by its loss change against the spliced run: red harder, blue easier (hover for the value, in nats).")
                                .otherwise(
                                        "Each token tinted by its loss change against the clean run: red harder, blue easier (hover for the value, in nats)."));
        legend.getStyleClass().add("hint");
        Controls.wrapping(legend);
        Button previous = new Button("◀"), next = new Button("▶");
        Label page = new Label();
        page.textProperty()
                .bind(Bindings.createStringBinding(
                        () -> vm.ablation().pagesProperty().get() == 0
                                ? "no windows yet"
                                : "window " + (vm.ablation().pageProperty().get() + 1) + " of "
                                        + vm.ablation().pagesProperty().get(),
                        vm.ablation().pageProperty(),
                        vm.ablation().pagesProperty()));
        previous.disableProperty().bind(vm.ablation().pageProperty().lessThanOrEqualTo(0));
        next.disableProperty()
                .bind(vm.ablation()
                        .pageProperty()
                        .greaterThanOrEqualTo(vm.ablation().pagesProperty().subtract(1)));
        previous.setOnAction(e ->
                vm.ablation().pageProperty().set(vm.ablation().pageProperty().get() - 1));
        next.setOnAction(e ->
                vm.ablation().pageProperty().set(vm.ablation().pageProperty().get() + 1));
        HBox pager = new HBox(6, previous, page, next);
        pager.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        pager.setPadding(new Insets(4, 8, 4, 8));
        javafx.scene.control.ListView<org.sparsescope.viewmodels.ablation.ChangedToken> largest =
                new javafx.scene.control.ListView<>(vm.ablation().largestChanges());
        largest.setId("ablationLargest");
        largest.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(org.sparsescope.viewmodels.ablation.ChangedToken c, boolean empty) {
                super.updateItem(c, empty);
                setText(
                        empty || c == null
                                ? null
                                : String.format(
                                        Locale.ROOT,
                                        "%s  w%d:%d  %s",
                                        Numbers.signed(c.delta(), 3),
                                        c.window() + 1,
                                        c.position(),
                                        printable(c.context())));
                setOnMouseClicked(e -> {
                    if (c != null) {
                        vm.ablation().pageProperty().set(c.window()); // the window it is in
                    }
                });
            }
        });
        largest.setPrefWidth(300);
        javafx.scene.layout.VBox side =
                new javafx.scene.layout.VBox(4, new Label("largest per-token changes (click: its window)"), largest);
        javafx.scene.layout.VBox.setVgrow(largest, javafx.scene.layout.Priority.ALWAYS);
        side.setPadding(new Insets(4));
        TabPane views = new TabPane(
                new Tab("Tokens", new BorderPane(textBox, pager, side, new HBox(legend), null)),
                new Tab("Outlier dimensions", outlierView(vm)),
                new Tab("Where the dictionary costs", costView(vm)));
        views.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        views.setId("ablationViews");
        this.views = views;
        setCenter(views);
    }

    final TableView<OutlierRow> outliers = new TableView<>();
    final TableView<CostlyTokenRow> costs = new TableView<>();
    TabPane views;

    /** The seed's outlier-dimension experiment at the open dictionary's hook. */
    private BorderPane outlierView(MainViewModel vm) {
        outliers.setId("outlierTable");
        outliers.setItems(vm.ablation().outliers());
        outliers.getColumns()
                .setAll(List.of(
                        column("rank", r -> Integer.toString(r.rank())),
                        column("dimension", r -> Integer.toString(r.dimension())),
                        column("mean |x|", r -> fmt("%.4f", r.meanAbs())),
                        column("mean x", r -> fmt("%+.4f", r.mean())),
                        column("ΔCE alone", r -> fmt("%+.5f", r.deltaCeAlone())),
                        column("ΔCE top 1…rank", r -> fmt("%+.5f", r.deltaCeCumulative()))));
        outliers.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY);
        outliers.setPlaceholder(
                new Label("Run to rank the hook's basis dimensions by mean |activation| and ablate them."));
        ChoiceBox<Choices.OutlierFill> fill = new ChoiceBox<>();
        fill.getItems().setAll(Choices.OutlierFill.values());
        fill.setConverter(Controls.converter(Choices.OutlierFill::label));
        fill.valueProperty().bindBidirectional(vm.ablation().outlierFillProperty());
        Spinner<Integer> top =
                new Spinner<>(1, 256, vm.ablation().outlierCountProperty().get());
        top.setPrefWidth(80);
        top.valueProperty()
                .addListener((o, a, b) -> vm.ablation().outlierCountProperty().set(b));
        Button run = new Button("Run");
        run.setId("outliersRun");
        run.disableProperty().bind(vm.ablation().runningProperty());
        run.setOnAction(e -> vm.runOutliers());
        Label summary = new Label();
        summary.getStyleClass().add("hint");
        summary.textProperty().bind(vm.ablation().outlierSummaryProperty());
        return new BorderPane(
                outliers, bar(summary, new Label("top"), top, new Label("dimensions,"), fill, run), null, null, null);
    }

    /** The tokens whose loss splicing the open dictionary in raises most, with the features active there. */
    private BorderPane costView(MainViewModel vm) {
        costs.setId("costTable");
        costs.setItems(vm.ablation().costlyTokens());
        TableColumn<CostlyTokenRow, String> context = column("context [predicted token]", r -> printable(r.context()));
        TableColumn<CostlyTokenRow, String> active = column("features active there", CostlyTokenRow::features);
        costs.getColumns()
                .setAll(List.of(
                        column("Δ loss", r -> fmt("%+.3f", r.delta())),
                        column("clean", r -> fmt("%.3f", r.cleanLoss())),
                        column("spliced", r -> fmt("%.3f", r.splicedLoss())),
                        column("win", r -> Integer.toString(r.window())),
                        column("pos", r -> Integer.toString(r.position())),
                        context,
                        active));
        double[] widths = {64, 52, 58, 44, 40, 300, 240};
        for (int i = 0; i < widths.length; i++) {
            costs.getColumns().get(i).setPrefWidth(widths[i]);
            if (i < 5) { // the numbers stay whole; context and features share what is left
                costs.getColumns().get(i).setMinWidth(widths[i]);
            }
        }
        costs.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY);
        costs.setPlaceholder(new Label(
                "Run to list the tokens whose loss rises most with the dictionary's reconstruction spliced in."));
        Spinner<Integer> n = new Spinner<>(1, 500, 25);
        n.setPrefWidth(80);
        Button run = new Button("Run");
        run.setId("costsRun");
        run.disableProperty().bind(vm.ablation().runningProperty());
        run.setOnAction(e -> vm.runSpliceCosts(n.getValue()));
        Label summary = new Label();
        summary.getStyleClass().add("hint");
        summary.textProperty().bind(vm.ablation().costSummaryProperty());
        costs.setRowFactory(tv -> {
            TableRow<CostlyTokenRow> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && !row.isEmpty()) {
                    String f = row.getItem().features();
                    if (!f.isEmpty()) { // the strongest feature there, in the feature views
                        vm.features().selectedFeatureProperty().set(Integer.parseInt(f.substring(0, f.indexOf(' '))));
                    }
                }
            });
            return row;
        });
        return new BorderPane(costs, bar(summary, new Label("worst"), n, new Label("tokens"), run), null, null, null);
    }

    /** A row of controls at their full size, with the last run's summary on a line of its own below. */
    private static javafx.scene.layout.VBox bar(Label summary, javafx.scene.Node... controls) {
        for (javafx.scene.Node c : controls) {
            if (c instanceof javafx.scene.control.Control ctl) {
                ctl.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
            }
        }
        HBox row = new HBox(8, controls);
        row.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        summary.setWrapText(true);
        javafx.scene.layout.VBox box = new javafx.scene.layout.VBox(4, row, summary);
        box.setPadding(new Insets(6));
        return box;
    }

    private static <R> TableColumn<R, String> column(String name, java.util.function.Function<R, String> f) {
        return Controls.textColumn(name, f);
    }

    private static String fmt(String pattern, double v) {
        return String.format(Locale.ROOT, pattern, v);
    }

    private static String printable(String s) {
        return s.replace("\n", "\\n").replace("\t", "\\t");
    }

    private void showTokens(MainViewModel vm) {
        var list = vm.ablation().tokens();
        String[] tokens = new String[list.size()];
        float[] values = new float[list.size()];
        double scale = 0;
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = list.get(i).text();
            values[i] = list.get(i).delta();
            scale = Math.max(scale, Math.abs(values[i]));
        }
        TextFlow flow = TokenText.of(tokens, values, scale, true, -1);
        flow.setPadding(new Insets(8));
        textBox.setContent(flow);
    }
}
