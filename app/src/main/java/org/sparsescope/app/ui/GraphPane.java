package org.sparsescope.app.ui;

import java.io.File;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.collections.ListChangeListener;
import javafx.collections.transformation.FilteredList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.RadioButton;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.cell.CheckBoxListCell;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;
import org.sparsescope.app.plot.FeatureGraphPlot;
import org.sparsescope.viewmodels.Choices;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.circuits.GraphViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;

/**
 * Feature-to-feature graphs across hooks: tick the chain's dictionaries, choose the upstream features and how an
 * edge is measured, compute in the background; then move the threshold and the node limit, hover and click nodes,
 * and export the picture or the graph.
 */
final class GraphPane extends BorderPane {
    final FeatureGraphPlot plot = new FeatureGraphPlot();
    final ListView<DictionaryEntry> chain;
    final Slider threshold = new Slider(-3, 0, -2);
    final Button compute = new Button("Compute");
    private final Map<String, BooleanProperty> ticked = new HashMap<>();

    GraphPane(MainViewModel vm) {
        getStyleClass().add("pane");
        GraphViewModel g = vm.graph();
        FilteredList<DictionaryEntry> placed =
                new FilteredList<>(vm.workspace().dictionaries(), e -> e.hook() != null && e.modelFolder() != null);
        chain = new ListView<>(placed);
        chain.setId("graphChain");
        chain.setPrefSize(330, 118);
        chain.setCellFactory(CheckBoxListCell.forListView(
                e -> ticked.computeIfAbsent(e.id(), id -> {
                    BooleanProperty p = new SimpleBooleanProperty(g.chain().contains(id));
                    p.addListener((o, a, b) -> g.setInChain(id, b));
                    return p;
                }),
                new StringConverter<>() {
                    @Override
                    public String toString(DictionaryEntry e) {
                        return e.name() + "  —  " + e.hookName() + " (" + e.dSae() + ")";
                    }

                    @Override
                    public DictionaryEntry fromString(String s) {
                        return null;
                    }
                }));
        g.chain().addListener((ListChangeListener<String>)
                c -> ticked.forEach((id, p) -> p.set(g.chain().contains(id))));
        Label chainHint =
                new Label("Chain: tick dictionaries at two or more hooks of one model (forward order is kept).");
        chainHint.getStyleClass().add("hint");

        ToggleGroup source = new ToggleGroup();
        RadioButton typed = new RadioButton("features");
        RadioButton top = new RadioButton("top");
        typed.setToggleGroup(source);
        top.setToggleGroup(source);
        Runnable showSource =
                () -> source.selectToggle(g.upstreamProperty().get() == GraphViewModel.Upstream.FEATURES ? typed : top);
        showSource.run();
        g.upstreamProperty().addListener((o, a, b) -> showSource.run());
        source.selectedToggleProperty()
                .addListener((o, a, b) -> g.upstreamProperty()
                        .set(b == typed ? GraphViewModel.Upstream.FEATURES : GraphViewModel.Upstream.TOP));
        TextField features = new TextField();
        features.setId("graphFeatures");
        features.setPromptText("e.g. 12, 40");
        features.setPrefColumnCount(10);
        features.textProperty().bindBidirectional(g.featuresProperty());
        Button addSelected = new Button("+ selected");
        addSelected.setOnAction(
                e -> g.addFeature(vm.features().selectedFeatureProperty().get()));
        addSelected
                .disableProperty()
                .bind(vm.features().selectedFeatureProperty().lessThan(0));
        Spinner<Integer> topN = spinner(1, 1024, g.topProperty());
        ChoiceBox<Choices.FeatureColumn> by = new ChoiceBox<>();
        by.getItems().setAll(Choices.FeatureColumn.values());
        by.setConverter(Controls.converter(Choices.FeatureColumn::label));
        by.valueProperty().bindBidirectional(g.byProperty());
        ChoiceBox<Choices.GraphMethod> method = new ChoiceBox<>();
        method.setId("graphMethod");
        method.getItems().setAll(Choices.GraphMethod.values());
        method.setConverter(Controls.converter(Choices.GraphMethod::label));
        method.valueProperty().bindBidirectional(g.methodProperty());
        ChoiceBox<Choices.AblationMode> mode = new ChoiceBox<>();
        mode.getItems().setAll(Choices.AblationMode.values());
        mode.setConverter(Controls.converter(Choices.AblationMode::label));
        mode.valueProperty().bindBidirectional(g.modeProperty());
        Spinner<Integer> windows = spinner(1, 512, g.windowsProperty());
        Spinner<Integer> follow = spinner(0, 256, g.followProperty());
        follow.setTooltip(
                new javafx.scene.control.Tooltip(
                        "upstream features of each later stage: the ones the previous stage reached most (0: as many as the first)"));
        compute.setId("graphCompute");
        compute.disableProperty().bind(g.runningProperty());
        compute.setOnAction(e -> g.run());
        Button cancel = new Button("Cancel");
        cancel.disableProperty().bind(g.runningProperty().not());
        cancel.setOnAction(e -> g.cancel());

        // groups wrap as units, so that the controls stay whole in a narrow middle pane (1366×768)
        FlowPane form = new FlowPane(
                14,
                6,
                Controls.group(new Label("upstream"), typed, features, addSelected),
                Controls.group(top, topN, new Label("by"), by),
                Controls.group(new Label("edge"), method, mode),
                Controls.group(new Label("windows"), windows, new Label("follow"), follow),
                Controls.group(compute, cancel));
        form.setAlignment(Pos.CENTER_LEFT);
        chain.setPrefHeight(96);
        VBox controls = new VBox(5, chainHint, chain, form);
        controls.setPadding(new Insets(8, 8, 4, 8));

        threshold.setId("graphThreshold");
        threshold.setPrefWidth(180);
        threshold.valueProperty().addListener((o, a, b) -> g.thresholdProperty().set(Math.pow(10, b.doubleValue())));
        g.thresholdProperty().addListener((o, a, b) -> threshold.setValue(Math.log10(b.doubleValue())));
        threshold.setValue(Math.log10(g.thresholdProperty().get()));
        Label thresholdValue = new Label();
        thresholdValue
                .textProperty()
                .bind(g.thresholdProperty().multiply(100).asString(Locale.ROOT, "%.2g%% of the largest into a node"));
        Spinner<Integer> nodes = spinner(2, 100, g.nodesPerColumnProperty());
        Button png = new Button("PNG…"), svg = new Button("SVG…"), json = new Button("JSON…");
        png.setOnAction(e -> export("png", vm));
        svg.setOnAction(e -> export("svg", vm));
        json.setOnAction(e -> export("json", vm));
        for (Button b : new Button[] {png, svg, json}) {
            b.disableProperty().bind(g.hasGraph().not());
        }
        FlowPane view = new FlowPane(
                14,
                6,
                Controls.group(new Label("threshold"), threshold, thresholdValue),
                Controls.group(new Label("nodes per column"), nodes),
                Controls.group(new Label("export"), png, svg, json));
        view.setAlignment(Pos.CENTER_LEFT);
        view.setPadding(new Insets(0, 8, 4, 8));
        Label status = new Label();
        status.setId("graphStatus");
        status.getStyleClass().add("hint");
        status.textProperty().bind(g.statusProperty());
        status.setPadding(new Insets(0, 8, 4, 8));
        // collapsible, so that on a small screen the graph can have the whole pane
        javafx.scene.control.TitledPane options = new javafx.scene.control.TitledPane("Chain and edges", controls);
        options.setId("graphOptions");
        options.setAnimated(false);
        // once a graph is computed it gets the room; the options reopen with a click
        g.hasGraph().addListener((o, a, shown) -> options.setExpanded(!shown));
        setTop(new VBox(options, view, status));

        plot.setId("graphPlot");
        plot.setOnOpen(g::open);
        g.layoutProperty().addListener((o, a, b) -> plot.setGraph(b, g.title()));
        setCenter(plot);
    }

    private void export(String kind, MainViewModel vm) {
        FileChooser c = new FileChooser();
        c.setInitialFileName("sparsescope-graph." + kind);
        File f = c.showSaveDialog(getScene().getWindow());
        if (f == null) {
            return;
        }
        try {
            switch (kind) {
                case "png" -> plot.exportPng(f.toPath());
                case "svg" -> plot.exportSvg(f.toPath());
                default -> vm.graph().exportJson(f.toPath());
            }
        } catch (java.io.IOException | RuntimeException e) {
            vm.workspace().fail(new java.io.IOException(f + ": " + e.getMessage(), e));
        }
    }

    private static Spinner<Integer> spinner(int min, int max, javafx.beans.property.IntegerProperty p) {
        Spinner<Integer> s = new Spinner<>(min, max, p.get());
        s.setEditable(true);
        s.setPrefWidth(80);
        s.valueProperty().addListener((o, a, b) -> p.set(b));
        p.addListener((o, a, b) -> s.getValueFactory().setValue(b.intValue()));
        return s;
    }
}
