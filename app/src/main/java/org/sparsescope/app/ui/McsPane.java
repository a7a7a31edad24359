package org.sparsescope.app.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.RadioButton;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.comparison.McsViewModel;

/**
 * The MCS matrix of the frontier's selection as a heatmap (MMCS, or the fraction of features matched at the
 * threshold); a clicked cell lists that pair's features side by side, and either feature opens from there.
 */
final class McsPane extends BorderPane {
    final McsHeatmap heatmap = new McsHeatmap();
    final TableView<McsViewModel.MatchedFeature> pairTable = new TableView<>();
    private final Label pairTitle =
            new Label("Click a cell to see the features of its row dictionary matched in its column dictionary.");

    McsPane(MainViewModel vm) {
        getStyleClass().add("pane");
        McsViewModel mcs = vm.mcs();
        heatmap.setId("mcsHeatmap");
        pairTable.setId("mcsPairTable");
        ToggleGroup show = new ToggleGroup();
        RadioButton byMmcs = new RadioButton("MMCS"), byFraction = new RadioButton("fraction with MCS ≥ threshold");
        byMmcs.setToggleGroup(show);
        byFraction.setToggleGroup(show);
        byMmcs.setSelected(true);
        TextField threshold = new TextField("0.9");
        threshold.setId("mcsThreshold");
        threshold.setPrefColumnCount(4);
        threshold.setOnAction(e -> {
            try {
                double t = Double.parseDouble(threshold.getText().strip());
                if (!(t >= -1 && t <= 1)) {
                    throw new NumberFormatException();
                }
                mcs.thresholdProperty().set(t);
            } catch (NumberFormatException ex) {
                vm.workspace()
                        .fail(new IllegalArgumentException(
                                "the threshold is a cosine in [−1, 1], not '" + threshold.getText() + "'"));
                threshold.setText(Double.toString(mcs.thresholdProperty().get()));
            }
        });
        Label status = new Label();
        status.textProperty().bind(mcs.statusProperty());
        Controls.wrapping(status);
        Label showLabel = new Label("show"), thresholdLabel = new Label("threshold");
        HBox bar = new HBox(8, showLabel, byMmcs, byFraction, thresholdLabel, threshold, status);
        for (javafx.scene.control.Control c :
                new javafx.scene.control.Control[] {showLabel, byMmcs, byFraction, thresholdLabel, threshold}) {
            c.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE); // the status shrinks, never the controls
        }
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("bar");
        setTop(bar);

        Runnable redraw = () -> {
            McsViewModel.Matrix m = mcs.matrixProperty().get();
            if (m == null) {
                heatmap.show(List.of(), new double[0][0], "");
                return;
            }
            List<String> names = new ArrayList<>();
            m.dictionaries().forEach(e -> names.add(e.name()));
            boolean fraction = byFraction.isSelected();
            double t = mcs.thresholdProperty().get();
            heatmap.show(
                    names,
                    fraction ? m.fractionAtLeast(t) : m.mmcs(),
                    fraction
                            ? String.format(
                                    Locale.ROOT, "fraction of the row's features with MCS ≥ %.2f in the column", t)
                            : "MMCS, mean over the row's features of the best cosine in the column");
            McsViewModel.PairDetail d = mcs.detailProperty().get();
            heatmap.setOpen(d == null ? -1 : d.row(), d == null ? -1 : d.column());
        };
        mcs.matrixProperty().addListener((o, a, b) -> redraw.run());
        mcs.thresholdProperty().addListener((o, a, b) -> redraw.run());
        show.selectedToggleProperty().addListener((o, a, b) -> redraw.run());
        heatmap.setOnCell(mcs::openCell);

        TableColumn<McsViewModel.MatchedFeature, Number> feature = new TableColumn<>("feature");
        feature.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue().feature()));
        TableColumn<McsViewModel.MatchedFeature, String> tokens = new TableColumn<>("top tokens");
        tokens.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue().tokens()));
        TableColumn<McsViewModel.MatchedFeature, Number> cos = new TableColumn<>("MCS");
        cos.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue().mcs()));
        cos.setCellFactory(col -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(Number v, boolean empty) {
                super.updateItem(v, empty);
                setText(empty || v == null ? null : String.format(Locale.ROOT, "%.3f", v.doubleValue()));
            }
        });
        TableColumn<McsViewModel.MatchedFeature, Number> match = new TableColumn<>("best match");
        match.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue().match()));
        TableColumn<McsViewModel.MatchedFeature, String> matchTokens = new TableColumn<>("its top tokens");
        matchTokens.setCellValueFactory(
                c -> new SimpleObjectProperty<>(c.getValue().matchTokens()));
        TableColumn<McsViewModel.MatchedFeature, Number> det = new TableColumn<>("det.");
        det.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue().detection()));
        det.setCellFactory(col -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(Number v, boolean empty) {
                super.updateItem(v, empty);
                setText(
                        empty || v == null || Double.isNaN(v.doubleValue())
                                ? null
                                : String.format(Locale.ROOT, "%.2f", v.doubleValue()));
            }
        });
        det.setPrefWidth(50);
        Controls.headerTip(det, "the row feature's autointerp detection score (balanced accuracy), once explained");
        pairTable.getColumns().setAll(List.of(feature, tokens, cos, det, match, matchTokens));
        feature.setPrefWidth(70);
        tokens.setPrefWidth(190);
        cos.setPrefWidth(60);
        match.setPrefWidth(80);
        matchTokens.setPrefWidth(190);
        pairTable.setPlaceholder(new Label("no pair opened"));
        Button openRow = new Button("Open feature in row dictionary");
        Button openColumn = new Button("Open its match in column dictionary");
        openRow.setId("mcsOpenRow");
        openColumn.setId("mcsOpenColumn");
        openRow.disableProperty()
                .bind(pairTable.getSelectionModel().selectedItemProperty().isNull());
        openColumn
                .disableProperty()
                .bind(pairTable.getSelectionModel().selectedItemProperty().isNull());
        openRow.setOnAction(e -> {
            var d = mcs.detailProperty().get();
            var f = pairTable.getSelectionModel().getSelectedItem();
            if (d != null && f != null) {
                vm.open(d.rowDictionary().id(), f.feature());
            }
        });
        openColumn.setOnAction(e -> {
            var d = mcs.detailProperty().get();
            var f = pairTable.getSelectionModel().getSelectedItem();
            if (d != null && f != null) {
                vm.open(d.columnDictionary().id(), f.match());
            }
        });
        pairTable.setRowFactory(t -> {
            var row = new javafx.scene.control.TableRow<McsViewModel.MatchedFeature>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && !row.isEmpty()) {
                    openRow.fire();
                }
            });
            return row;
        });
        // the seed's question: are the features another dictionary shares the ones that explain well?
        org.sparsescope.app.plot.ScatterPlot scoreScatter = new org.sparsescope.app.plot.ScatterPlot();
        scoreScatter.setId("mcsScoreScatter");
        scoreScatter.setAxes("MCS to the column dictionary", false, "detection score (balanced accuracy)", false);
        scoreScatter.setPrefWidth(330);
        scoreScatter.setMinWidth(220);
        Label scoreTitle = new Label();
        Controls.wrapping(scoreTitle);
        VBox scoreBox = new VBox(4, scoreTitle, scoreScatter);
        VBox.setVgrow(scoreScatter, javafx.scene.layout.Priority.ALWAYS);
        scoreBox.setVisible(false);
        scoreBox.managedProperty().bind(scoreBox.visibleProperty());
        mcs.detailProperty().addListener((o, a, d) -> {
            boolean scored = d != null && d.explained() > 0;
            scoreBox.setVisible(scored);
            if (scored) {
                List<org.sparsescope.app.plot.ScatterPlot.Point> pts = new ArrayList<>();
                for (var f : d.features()) {
                    if (!Double.isNaN(f.detection())) {
                        pts.add(new org.sparsescope.app.plot.ScatterPlot.Point(
                                Integer.toString(f.feature()),
                                f.mcs(),
                                f.detection(),
                                javafx.scene.paint.Color.rgb(60, 110, 190),
                                String.format(
                                        Locale.ROOT,
                                        "feature %d (%s)%nMCS %.3f to feature %d%ndetection %.2f, fuzzing %.2f",
                                        f.feature(),
                                        f.tokens(),
                                        f.mcs(),
                                        f.match(),
                                        f.detection(),
                                        f.fuzzing()),
                                Integer.toString(f.feature()),
                                false));
                    }
                }
                scoreScatter.setPoints(pts, true);
                scoreTitle.setText(String.format(
                        Locale.ROOT,
                        "%d explained features of %s: Pearson r = %s between MCS and detection score",
                        d.explained(),
                        d.rowDictionary().name(),
                        Double.isNaN(d.mcsScoreCorrelation())
                                ? "– (fewer than 3)"
                                : String.format(Locale.ROOT, "%.3f", d.mcsScoreCorrelation())));
            }
        });
        mcs.detailProperty().addListener((o, a, d) -> {
            pairTable.getItems().setAll(d == null ? List.of() : d.features());
            pairTitle.setText(
                    d == null
                            ? "Click a cell to see the features of its row dictionary matched in its column dictionary."
                            : String.format(
                                    Locale.ROOT,
                                    "%s → %s: MMCS %.3f, %.1f%% of its %d features with MCS ≥ %.2f (double-click a row to open it)",
                                    d.rowDictionary().name(),
                                    d.columnDictionary().name(),
                                    d.mmcs(),
                                    100 * d.fractionAtLeast(),
                                    d.features().size(),
                                    mcs.thresholdProperty().get()));
            heatmap.setOpen(d == null ? -1 : d.row(), d == null ? -1 : d.column());
        });
        Controls.wrapping(pairTitle);
        HBox buttons = new HBox(8, openRow, openColumn);
        HBox tableAndScatter = new HBox(8, pairTable, scoreBox);
        HBox.setHgrow(pairTable, javafx.scene.layout.Priority.ALWAYS);
        VBox pair = new VBox(6, pairTitle, tableAndScatter, buttons);
        pair.setPadding(new Insets(6));
        javafx.scene.layout.VBox.setVgrow(tableAndScatter, javafx.scene.layout.Priority.ALWAYS);
        SplitPane split = new SplitPane(heatmap, pair);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.55);
        setCenter(split);
    }
}
