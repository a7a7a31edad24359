package org.sparsescope.app.ui;

import java.util.List;
import java.util.Locale;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.text.TextFlow;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.inspect.GenerationViewModel;
import org.sparsescope.viewmodels.inspect.InspectorViewModel;

/**
 * Text in, features out: the prompt inspector (the tokens as the model sees them, each token's features, the
 * prompt's features ranked, one feature drawn over the text with its loss effect) and steered generation beside
 * the clean continuation.
 */
final class PromptPane extends BorderPane {
    final TextArea prompt = new TextArea();
    final TableView<InspectorViewModel.FeatureLine> atToken = new TableView<>();
    final TableView<InspectorViewModel.FeatureLine> ranked = new TableView<>();
    final TabPane views = new TabPane();
    private final ScrollPane activationBox = new ScrollPane();
    private final ScrollPane effectBox = new ScrollPane();

    PromptPane(MainViewModel vm) {
        getStyleClass().add("pane");
        views.getTabs().setAll(new Tab("Inspect", inspector(vm)), new Tab("Steer and generate", generation(vm)));
        views.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        setCenter(views);
    }

    private BorderPane inspector(MainViewModel vm) {
        InspectorViewModel in = vm.inspector();
        prompt.setId("inspectorPrompt");
        prompt.setPromptText("Type or paste text: every edit shows the open dictionary's features on its tokens");
        prompt.setWrapText(true);
        prompt.setPrefRowCount(3);
        prompt.textProperty().bindBidirectional(in.textProperty());
        CheckBox all = new CheckBox("every dictionary of this model (one column per hook)");
        all.selectedProperty().bindBidirectional(in.allHooksProperty());
        ChoiceBox<InspectorViewModel.Rank> rank = new ChoiceBox<>();
        rank.getItems().setAll(InspectorViewModel.Rank.values());
        rank.setConverter(Controls.converter(r -> switch (r) {
            case MAX_ACTIVATION -> "rank by max activation";
            case MAX_QUANTILE -> "rank by max quantile";
            case LOSS_EFFECT -> "rank by loss effect (top " + InspectorViewModel.LOSS_CANDIDATES + ")";
        }));
        rank.valueProperty().bindBidirectional(in.rankProperty());
        Label status = new Label();
        status.setId("inspectorStatus");
        status.getStyleClass().add("hint");
        status.textProperty().bind(in.statusProperty());
        FlowPane bar = new FlowPane(12, 4, all, rank, status);
        bar.setAlignment(Pos.CENTER_LEFT);

        activationBox.setFitToWidth(true);
        effectBox.setFitToWidth(true);
        activationBox.setPrefViewportHeight(70);
        effectBox.setPrefViewportHeight(50);
        Label highlighted = new Label();
        highlighted.getStyleClass().add("hint");
        in.highlightProperty()
                .addListener((o, a, h) -> highlighted.setText(
                        h == null
                                ? "Pick a feature below to draw it over the text."
                                : String.format(
                                        Locale.ROOT,
                                        "Feature %d of %s (%s): its activation on each token; below, the change of each token's loss with it "
                                                + "ablated (error kept; red: the token got harder, so the feature helped).",
                                        h.feature(),
                                        h.dictionary(),
                                        h.hook())));
        highlighted.setText("Pick a feature below to draw it over the text.");
        highlighted.setWrapText(true);
        in.tokens().addListener((ListChangeListener<InspectorViewModel.TokenLine>) c -> showTokens(vm));
        in.selectedTokenProperty().addListener((o, a, b) -> showTokens(vm));

        // the hook column shows only when several dictionaries are read
        column(atToken, "hook", InspectorViewModel.FeatureLine::hook, 150)
                .visibleProperty()
                .bind(in.allHooksProperty());
        column(atToken, "feature", l -> Integer.toString(l.feature()), 58);
        column(atToken, "activation", l -> fmt("%.3f", l.activation()), 70);
        quantileAndDensity(atToken);
        column(atToken, "top tokens", InspectorViewModel.FeatureLine::topTokens, 200);
        atToken.setItems(in.tokenFeatures());
        atToken.setPlaceholder(new Label("Click a token to see its features."));
        atToken.setId("inspectorTokenFeatures");
        column(ranked, "hook", InspectorViewModel.FeatureLine::hook, 150)
                .visibleProperty()
                .bind(in.allHooksProperty());
        column(ranked, "feature", l -> Integer.toString(l.feature()), 58);
        column(ranked, "max act.", l -> fmt("%.3f", l.activation()), 66);
        quantileAndDensity(ranked);
        column(ranked, "Δ loss", l -> Double.isNaN(l.lossEffect()) ? "" : fmt("%+.4f", l.lossEffect()), 64)
                .visibleProperty()
                .bind(in.rankProperty().isEqualTo(InspectorViewModel.Rank.LOSS_EFFECT));
        column(ranked, "top tokens", InspectorViewModel.FeatureLine::topTokens, 200);
        ranked.setItems(in.ranked());
        ranked.setId("inspectorRanked");
        for (TableView<InspectorViewModel.FeatureLine> t : List.of(atToken, ranked)) {
            t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY);
            t.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
                if (b != null) {
                    in.highlightProperty().set(b);
                }
            });
            t.setRowFactory(tv -> {
                TableRow<InspectorViewModel.FeatureLine> row = new TableRow<>();
                row.setOnMouseClicked(e -> {
                    if (e.getClickCount() == 2 && !row.isEmpty()) { // the feature's detail, on its own dictionary
                        vm.open(in.dictionaryId(row.getItem()), row.getItem().feature());
                    }
                });
                return row;
            });
        }
        ListView<InspectorViewModel.LogitLine> up = logits(in.raised()), down = logits(in.lowered());
        VBox logits = new VBox(
                4, new Label("at the token: activation × direct effect; raises"), up, new Label("lowers"), down);
        logits.setPadding(new Insets(0, 0, 0, 6));
        logits.setPrefWidth(170);
        ((Label) logits.getChildren().get(0)).setWrapText(true);
        VBox.setVgrow(up, Priority.ALWAYS);
        VBox.setVgrow(down, Priority.ALWAYS);
        VBox tokenSide = new VBox(4, new Label("Features at the selected token"), atToken);
        VBox promptSide = new VBox(4, new Label("The prompt's features"), ranked);
        VBox.setVgrow(atToken, Priority.ALWAYS);
        VBox.setVgrow(ranked, Priority.ALWAYS);
        SplitPane lists = new SplitPane(tokenSide, promptSide, logits);
        lists.setDividerPositions(0.4, 0.8);
        VBox top = new VBox(6, prompt, bar, activationBox, highlighted, effectBox);
        top.setPadding(new Insets(8, 8, 4, 8));
        BorderPane pane = new BorderPane(lists, top, null, null, null);
        BorderPane.setMargin(lists, new Insets(0, 8, 8, 8));
        return pane;
    }

    private void showTokens(MainViewModel vm) {
        InspectorViewModel in = vm.inspector();
        var list = in.tokens();
        int n = list.size();
        String[] tokens = new String[n], tips = new String[n];
        float[] act = new float[n], effect = new float[n];
        double maxAct = 0, maxEffect = 0;
        for (int i = 0; i < n; i++) {
            InspectorViewModel.TokenLine t = list.get(i);
            tokens[i] = t.text();
            act[i] = t.activation();
            effect[i] = t.lossEffect();
            maxAct = Math.max(maxAct, act[i]);
            if (!Float.isNaN(effect[i])) {
                maxEffect = Math.max(maxEffect, Math.abs(effect[i]));
            }
            tips[i] = String.format(
                    Locale.ROOT,
                    "%s  (token %d)%nactivation %.4f%s%nclick for its features",
                    t.text().replace("\n", "\\n"),
                    i,
                    t.activation(),
                    Float.isNaN(t.lossEffect())
                            ? ""
                            : String.format(
                                    Locale.ROOT, "%nloss change with the feature ablated %+.4f nats", t.lossEffect()));
        }
        int selected = in.selectedTokenProperty().get();
        TextFlow a = TokenText.of(tokens, act, maxAct, false, selected, tips, in.selectedTokenProperty()::set);
        TextFlow e = TokenText.of(tokens, effect, maxEffect, true, selected, tips, in.selectedTokenProperty()::set);
        a.setPadding(new Insets(4));
        e.setPadding(new Insets(4));
        a.setId("inspectorTokens");
        activationBox.setContent(a);
        effectBox.setContent(e);
    }

    private BorderPane generation(MainViewModel vm) {
        GenerationViewModel g = vm.generation();
        TextField text = new TextField();
        text.setId("generationPrompt");
        text.textProperty().bindBidirectional(g.promptProperty());
        HBox.setHgrow(text, Priority.ALWAYS);
        Spinner<Integer> tokens = new Spinner<>(1, 512, g.tokensProperty().get());
        tokens.setEditable(true);
        tokens.setPrefWidth(80);
        tokens.valueProperty().addListener((o, a, b) -> g.tokensProperty().set(b));
        Spinner<Double> temperature =
                new Spinner<>(0.0, 5.0, g.temperatureProperty().get(), 0.1);
        temperature.setEditable(true);
        temperature.setPrefWidth(80);
        temperature
                .valueProperty()
                .addListener((o, a, b) -> g.temperatureProperty().set(b));
        Spinner<Integer> seed =
                new Spinner<>(0, Integer.MAX_VALUE, (int) g.seedProperty().get());
        seed.setEditable(true);
        seed.setPrefWidth(90);
        seed.valueProperty().addListener((o, a, b) -> g.seedProperty().set(b));
        TextField steer = new TextField();
        steer.setId("generationSteering");
        steer.setPromptText("feature:α, e.g. 519:12, 796:-4");
        steer.setPrefColumnCount(16);
        steer.textProperty().bindBidirectional(g.steeringProperty());
        ChoiceBox<org.sparsescope.viewmodels.Choices.SteerUnits> units = new ChoiceBox<>();
        units.getItems().setAll(org.sparsescope.viewmodels.Choices.SteerUnits.values());
        units.setConverter(Controls.converter(org.sparsescope.viewmodels.Choices.SteerUnits::label));
        units.valueProperty().bindBidirectional(g.unitsProperty());
        CheckBox clamp = new CheckBox("clamp the codes to these values instead (error kept)");
        clamp.selectedProperty().bindBidirectional(g.clampProperty());
        units.disableProperty().bind(clamp.selectedProperty());
        Button run = new Button("Generate");
        run.setId("generationRun");
        run.disableProperty().bind(g.runningProperty());
        run.setOnAction(e -> vm.runGeneration());
        FlowPane controls = new FlowPane(
                12,
                6,
                Controls.group(new Label("tokens"), tokens),
                Controls.group(new Label("temperature"), temperature, new Label("seed"), seed),
                Controls.group(new Label("steer"), steer, units),
                clamp,
                run);
        controls.setAlignment(Pos.CENTER_LEFT);
        ScrollPane clean = output(g.continuedProperty(), g.cleanProperty()),
                steered = output(g.continuedProperty(), g.steeredProperty());
        clean.setId("generationClean");
        steered.setId("generationSteered");
        VBox left = new VBox(4, new Label("Clean continuation"), clean),
                right = new VBox(4, new Label("Steered continuation (same seed)"), steered);
        VBox.setVgrow(clean, Priority.ALWAYS);
        VBox.setVgrow(steered, Priority.ALWAYS);
        SplitPane both = new SplitPane(left, right);
        Label status = new Label();
        status.getStyleClass().add("hint");
        status.setWrapText(true);
        status.textProperty().bind(g.statusProperty());
        Label units1 = new Label(
                "α is in units of the decoder row as saved (SAELens's steering: x + α·W_dec[j] at every position of the hook), "
                        + "or, relative, α·‖x‖ at each position along the unit decoder direction (Neuronpedia-style strength).");
        units1.getStyleClass().add("hint");
        units1.setWrapText(true);
        VBox top = new VBox(6, new HBox(6, new Label("prompt"), text), controls, units1, status);
        top.setPadding(new Insets(8));
        BorderPane pane = new BorderPane(both, top, null, null, null);
        BorderPane.setMargin(both, new Insets(0, 8, 8, 8));
        return pane;
    }

    /** The prompt in grey, then the continuation, wrapped; selectable as text is not, but readable whole. */
    private static ScrollPane output(
            javafx.beans.value.ObservableValue<String> prompt,
            javafx.beans.value.ObservableValue<String> continuation) {
        javafx.scene.text.Text before = new javafx.scene.text.Text(), after = new javafx.scene.text.Text();
        before.getStyleClass().add("prompt-text");
        before.setOpacity(0.55);
        after.getStyleClass().add("continuation-text");
        before.textProperty().bind(prompt);
        after.textProperty().bind(continuation);
        TextFlow flow = new TextFlow(before, after);
        flow.setPadding(new Insets(6));
        flow.setStyle("-fx-font-size: 13px;");
        ScrollPane s = new ScrollPane(flow);
        s.setFitToWidth(true);
        return s;
    }

    private static ListView<InspectorViewModel.LogitLine> logits(
            javafx.collections.ObservableList<InspectorViewModel.LogitLine> items) {
        ListView<InspectorViewModel.LogitLine> l = new ListView<>(items);
        l.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(InspectorViewModel.LogitLine item, boolean empty) {
                super.updateItem(item, empty);
                setText(
                        empty || item == null
                                ? null
                                : String.format(
                                        Locale.ROOT,
                                        "%+.3f  %s",
                                        item.logit(),
                                        item.token().replace("\n", "\\n")));
            }
        });
        l.setPrefHeight(120);
        return l;
    }

    /** A column; all but the top tokens keep their width whole, the top tokens take the rest (cut ones read whole on hover). */
    private static <R> TableColumn<R, String> column(
            TableView<R> table, String name, java.util.function.Function<R, String> f, double width) {
        TableColumn<R, String> c = Controls.textColumn(name, f);
        c.setPrefWidth(width);
        if (!name.equals("top tokens")) {
            c.setMinWidth(width);
        }
        table.getColumns().add(c);
        return c;
    }

    /** The activation's quantile among the feature's non-zero activations, and beside it how often it is active. */
    private static void quantileAndDensity(TableView<InspectorViewModel.FeatureLine> table) {
        Controls.headerTip(
                column(table, "quantile", l -> Double.isNaN(l.quantile()) ? "—" : fmt("%.3f", l.quantile()), 62),
                "where the activation falls among the feature's non-zero activations over its set (zeros left out)");
        Controls.headerTip(
                column(table, "density", l -> Double.isNaN(l.density()) ? "—" : fmt("%.2e", l.density()), 64),
                "the fraction of the set's tokens on which the feature is active");
    }

    private static String fmt(String pattern, double v) {
        return String.format(Locale.ROOT, pattern, v);
    }
}
