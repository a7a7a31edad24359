package org.sparsescope.app.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ListChangeListener;
import javafx.collections.transformation.SortedList;
import javafx.geometry.Orientation;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.controlsfx.control.RangeSlider;
import org.sparsescope.app.plot.ScatterPlot;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.features.FeatureRow;

/**
 * The open dictionary's features: a sortable, filterable table beside a plot of density (log) against kurtosis or
 * max activation; selecting a feature in either selects it in both and in the detail.
 */
final class FeaturesPane extends BorderPane {
    final TableView<FeatureRow> table = new TableView<>();
    final ScatterPlot plot = new ScatterPlot();
    private final ChoiceBox<String> yAxis = new ChoiceBox<>();
    private boolean syncing;

    FeaturesPane(MainViewModel vm) {
        getStyleClass().add("pane");
        table.setId("featureTable");
        plot.setId("featurePlot");
        table.getColumns().add(column("#", r -> (double) r.index(), "%.0f"));
        table.getColumns()
                .add(column(
                        "density",
                        FeatureRow::density,
                        "%.2e")); // a fixed two-digit exponent: 1e-3 and 1e-4 never look alike
        // the columns a sweep is read by (density, kurtosis, capacity) first, so that they show on a 1366-pixel screen
        table.getColumns().add(column("kurtosis", FeatureRow::kurtosis, "%.1f"));
        table.getColumns().add(column("capacity", FeatureRow::capacity, "%.3f"));
        table.getColumns().add(column("max", FeatureRow::max, "%.3f"));
        table.getColumns().add(column("mean", FeatureRow::mean, "%.4f"));
        table.getColumns().add(column("skew", FeatureRow::skew, "%.2f"));
        TableColumn<FeatureRow, String> tokens = new TableColumn<>();
        tokens.textProperty().bind(vm.features().namesHeadingProperty());
        tokens.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().topTokens()));

        table.getColumns().add(tokens);
        // a dictionary explained by `autointerp`: its explanations and their scores, sortable, beside the names
        TableColumn<FeatureRow, String> explanation = new TableColumn<>("explanation");
        explanation.setId("column-explanation");
        explanation.setCellValueFactory(
                c -> new ReadOnlyObjectWrapper<>(c.getValue().explanation()));
        explanation.setPrefWidth(220);
        TableColumn<FeatureRow, Double> detection = column("detection", FeatureRow::detection, "%.2f");
        TableColumn<FeatureRow, Double> fuzzing = column("fuzzing", FeatureRow::fuzzing, "%.2f");
        for (TableColumn<FeatureRow, ?> c : List.of(explanation, detection, fuzzing)) {
            c.visibleProperty().bind(vm.features().explainedByProperty().isNotEmpty());
        }
        javafx.scene.control.Tooltip by = new javafx.scene.control.Tooltip();
        by.textProperty()
                .bind(javafx.beans.binding.Bindings.concat(
                        "balanced accuracy of the explanation (delphi's detection and fuzzing), explained by ",
                        vm.features().explainedByProperty()));
        Label detectionHeader = new Label("detection"), fuzzingHeader = new Label("fuzzing");
        detectionHeader.setTooltip(by);
        fuzzingHeader.setTooltip(by);
        detection.setText(null);
        detection.setGraphic(detectionHeader);
        fuzzing.setText(null);
        fuzzing.setGraphic(fuzzingHeader);
        detection.setPrefWidth(82);
        fuzzing.setPrefWidth(72);
        // after the index: shown only for an explained dictionary, so the statistics keep their places otherwise
        table.getColumns().addAll(1, List.of(explanation, detection, fuzzing));
        SortedList<FeatureRow> sorted = new SortedList<>(vm.features().filteredRows());
        sorted.comparatorProperty().bind(table.comparatorProperty());
        table.setItems(sorted);
        // widths that fit "1.23e-04", five-digit indices, and each header whole with its sort arrow at the default font
        double[] widths = {56, 80, 84, 80, 58, 68, 64};
        List<TableColumn<FeatureRow, ?>> statistics = table.getColumns().stream()
                .filter(c -> c != explanation && c != detection && c != fuzzing)
                .toList();
        for (int i = 0; i < widths.length; i++) {
            statistics.get(i).setPrefWidth(widths[i]);
            statistics.get(i).setMinWidth(widths[i]);
        }
        tokens.setPrefWidth(260);
        table.setPlaceholder(new Label("Open a dictionary: double-click it in the list or on the frontier."));

        RangeSlider density = new RangeSlider(-8, 0, -8, 0);
        density.setId("densityRange");
        density.setShowTickLabels(true);
        density.setShowTickMarks(true);
        density.setMajorTickUnit(1);
        density.lowValueProperty().bindBidirectional(vm.features().minLog10DensityProperty());
        density.highValueProperty().bindBidirectional(vm.features().maxLog10DensityProperty());
        TextField filter = new TextField();
        filter.setId("tokenFilter");
        filter.promptTextProperty()
                .bind(javafx.beans.binding.Bindings.when(
                                vm.features().explainedByProperty().isEmpty())
                        .then(javafx.beans.binding.Bindings.concat(
                                "filter by ", vm.features().namesHeadingProperty()))
                        .otherwise("filter: tokens, explanation"));
        filter.textProperty().bindBidirectional(vm.features().tokenFilterProperty());
        Label count = new Label();
        count.textProperty().bind(javafx.beans.binding.Bindings.size(sorted).asString("%d features"));
        HBox filters = new HBox(10, new Label("log10 density"), density, filter, count);
        HBox.setHgrow(density, Priority.ALWAYS);
        filters.getStyleClass().add("bar");

        yAxis.getItems().addAll("kurtosis", "max activation", "capacity");
        yAxis.setValue("kurtosis");
        yAxis.valueProperty().addListener((o, a, b) -> refreshPlot(vm, true));
        plot.setOnClick(id -> vm.features().selectedFeatureProperty().set(Integer.parseInt(id)));
        plot.setOnSelect(ids -> {
            if (ids.size() == 1) {
                vm.features().selectedFeatureProperty().set(Integer.parseInt(ids.get(0)));
            }
        });
        HistogramCanvas capacities = new HistogramCanvas(120, 110, "capacity C_i of each feature");
        capacities.setId("capacityHistogram");
        // a canvas has a fixed size: held in a pane that may shrink, it follows the column's width (never setting it)
        javafx.scene.layout.Pane capacityHolder = new javafx.scene.layout.Pane(capacities);
        capacityHolder.setMinWidth(0);
        capacityHolder.setPrefWidth(0);
        capacityHolder.setMinHeight(110);
        capacityHolder.setPrefHeight(110);
        capacityHolder.widthProperty().addListener((o, a, b) -> {
            capacities.setWidth(Math.max(120, b.doubleValue()));
            capacities.draw(vm.features().capacityHistogramProperty().get());
        });
        VBox plotBox = new VBox(4, new HBox(8, new Label("y axis"), yAxis), plot, capacityHolder);
        VBox.setVgrow(plot, Priority.ALWAYS);
        vm.features().capacityHistogramProperty().addListener((o, a, b) -> capacities.draw(b));

        SplitPane split = new SplitPane(new VBox(table), plotBox);
        VBox.setVgrow(table, Priority.ALWAYS);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.66);
        Label site = new Label("no dictionary open");
        site.setId("featuresSite");
        site.getStyleClass().add("site");
        site.setWrapText(true);
        site.textProperty()
                .bind(javafx.beans.binding.Bindings.createStringBinding(
                        () -> vm.openDictionaryProperty().get() == null
                                ? "no dictionary open"
                                : vm.openDictionaryProperty().get().name() + "  ·  "
                                        + vm.openSiteProperty().get()
                                        + (vm.features().setRowsProperty().get() == 0
                                                ? ""
                                                : String.format(
                                                        java.util.Locale.ROOT,
                                                        "  ·  %,d activations of its own set  ·  capacity %.1f of d = %d",
                                                        vm.features()
                                                                .setRowsProperty()
                                                                .get(),
                                                        vm.features()
                                                                .totalCapacityProperty()
                                                                .get(),
                                                        vm.openDictionaryProperty()
                                                                .get()
                                                                .dIn()))
                                        + "  ·  examples "
                                        + (vm.examplesExcludeSpecialTokens() ? "without BOS/EOT" : "with BOS/EOT"),
                        vm.openDictionaryProperty(),
                        vm.openSiteProperty(),
                        vm.features().setRowsProperty(),
                        vm.features().totalCapacityProperty()));
        site.setTooltip(new javafx.scene.control.Tooltip());
        site.getTooltip()
                .textProperty()
                .bind(javafx.beans.binding.Bindings.createStringBinding(
                        () -> vm.openDictionaryProperty().get() == null
                                ? ""
                                : "measured on "
                                        + vm.openDictionaryProperty().get().activations(),
                        vm.openDictionaryProperty()));
        setTop(new VBox(site, filters));
        setCenter(split);

        vm.features().filteredRows().addListener((ListChangeListener<FeatureRow>) c -> refreshPlot(vm, false));
        vm.features().loadsProperty().addListener((o, a, b) -> refreshPlot(vm, true));
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (!syncing && b != null) {
                vm.features().selectedFeatureProperty().set(b.index());
            }
        });
        vm.features().selectedFeatureProperty().addListener((o, a, b) -> {
            int j = b.intValue();
            plot.setSelected(j < 0 ? List.of() : List.of(Integer.toString(j)));
            FeatureRow sel = table.getSelectionModel().getSelectedItem();
            if (j >= 0 && (sel == null || sel.index() != j)) {
                syncing = true;
                table.getItems().stream()
                        .filter(r -> r.index() == j)
                        .findFirst()
                        .ifPresent(r -> {
                            table.getSelectionModel().select(r);
                            table.scrollTo(r);
                        });
                syncing = false;
            }
        });
    }

    private void refreshPlot(MainViewModel vm, boolean fit) {
        boolean kurt = "kurtosis".equals(yAxis.getValue());
        boolean capacity = "capacity".equals(yAxis.getValue());
        plot.setAxes(
                "feature density (log scale)",
                true,
                kurt ? "kurtosis (log scale)" : capacity ? "capacity C_i" : "max activation",
                kurt);
        List<ScatterPlot.Point> pts =
                new ArrayList<>(vm.features().filteredRows().size());
        for (FeatureRow r : vm.features().filteredRows()) {
            double y = kurt ? r.kurtosis() : capacity ? r.capacity() : r.max();
            if (r.density() > 0 && Double.isFinite(y)) {
                pts.add(new ScatterPlot.Point(
                        Integer.toString(r.index()),
                        r.density(),
                        y,
                        Color.rgb(70, 110, 200, 0.7),
                        String.format(
                                Locale.ROOT,
                                "feature %d%ndensity %.3e%nkurtosis %.1f  max %.3f  capacity %.3f%n%s",
                                r.index(),
                                r.density(),
                                r.kurtosis(),
                                r.max(),
                                r.capacity(),
                                r.topTokens())));
            }
        }
        plot.setPoints(pts, fit);
    }

    private static TableColumn<FeatureRow, Double> column(
            String name, Function<FeatureRow, Double> value, String format) {
        TableColumn<FeatureRow, Double> c = new TableColumn<>(name);
        c.setId("column-" + name);
        c.setCellValueFactory(cell -> new ReadOnlyObjectWrapper<>(value.apply(cell.getValue())));
        c.setCellFactory(col -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(Double v, boolean empty) {
                super.updateItem(v, empty);
                setText(empty || v == null ? null : Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, format, v));
            }
        });
        // NaN (features that never fire) sorts below every number
        c.setComparator((a, b) -> Double.compare(
                Double.isNaN(a) ? Double.NEGATIVE_INFINITY : a, Double.isNaN(b) ? Double.NEGATIVE_INFINITY : b));
        return c;
    }
}
