package org.sparsescope.app.ui;

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
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.text.TextFlow;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.viewmodels.MainViewModel;
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
        ChoiceBox<Intervention.AblationMode> mode = new ChoiceBox<>();
        mode.getItems().addAll(Intervention.AblationMode.values());
        mode.valueProperty().bindBidirectional(vm.ablation().modeProperty());
        CheckBox steer = new CheckBox("steer instead, α =");
        steer.selectedProperty().bindBidirectional(vm.ablation().steeringProperty());
        Slider alpha = new Slider(-20, 20, 5);
        alpha.setShowTickLabels(true);
        alpha.setMajorTickUnit(10);
        alpha.valueProperty().bindBidirectional(vm.ablation().steeringAlphaProperty());
        Label alphaValue = new Label();
        alphaValue.textProperty().bind(alpha.valueProperty().asString("%.1f"));
        Spinner<Integer> windows = new Spinner<>(1, 256, vm.ablation().windowsProperty().get());
        windows.valueProperty().addListener((o, a, b) -> vm.ablation().windowsProperty().set(b));
        vm.ablation().windowsProperty().addListener((o, a, b) -> windows.getValueFactory().setValue(b.intValue()));
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
        form.addRow(2, new Label("Windows of 128 tokens"), windows, run, cancel);
        Label clean = new Label(), spliced = new Label(), after = new Label();
        clean.textProperty().bind(Bindings.createStringBinding(() -> ppl(vm.ablation().cleanPerplexityProperty().get()), vm.ablation().cleanPerplexityProperty()));
        spliced.textProperty().bind(Bindings.createStringBinding(() -> ppl(vm.ablation().splicedPerplexityProperty().get()), vm.ablation().splicedPerplexityProperty()));
        after.textProperty().bind(Bindings.createStringBinding(() -> ppl(vm.ablation().perplexityProperty().get()), vm.ablation().perplexityProperty()));
        delta.textProperty().bind(Bindings.createStringBinding(() -> Double.isNaN(vm.ablation().deltaPerplexityProperty().get()) ? "—"
                : String.format(Locale.ROOT, "%+.4f", vm.ablation().deltaPerplexityProperty().get()), vm.ablation().deltaPerplexityProperty()));
        GridPane results = new GridPane();
        results.setHgap(14);
        results.setPadding(new Insets(8));
        results.getStyleClass().add("results");
        results.addRow(0, new Label("perplexity clean"), clean, new Label("spliced"), spliced, new Label("intervened"), after, new Label("change"), delta);
        textBox.setFitToWidth(true);
        vm.ablation().tokens().addListener((ListChangeListener<TokenDelta>) c -> showTokens(vm));
        BorderPane top = new BorderPane(results, form, null, null, null);
        setTop(top);
        setCenter(textBox);
        Label legend = new Label("Each token tinted by its loss change: red harder, blue easier (hover for the value).");
        legend.getStyleClass().add("hint");
        setBottom(new HBox(legend));
    }

    private static String ppl(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.4f", v);
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
