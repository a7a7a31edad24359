package org.sparsescope.app.ui;

import java.util.Locale;
import javafx.collections.ListChangeListener;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.sparsescope.compute.stats.Histogram;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.features.ExampleLine;

/** One feature: its activation histogram, top examples and examples across its range as highlighted text, and logit effects. */
final class FeatureDetailPane extends ScrollPane {
    private final Label title = new Label("No feature selected");
    private final Canvas histogram = new Canvas(330, 110);
    final VBox topExamples = new VBox(4);
    private final VBox rangeExamples = new VBox(4);
    private final ListView<String> raised = new ListView<>();
    private final ListView<String> lowered = new ListView<>();

    FeatureDetailPane(MainViewModel vm) {
        getStyleClass().add("detail");
        topExamples.setId("topExamples");
        title.getStyleClass().add("title");
        raised.setPrefHeight(150);
        lowered.setPrefHeight(150);
        raised.setPrefWidth(165);
        lowered.setPrefWidth(165);
        Label site = new Label();
        site.setId("detailSite");
        site.getStyleClass().add("site");
        site.setWrapText(true);
        site.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> vm.openDictionaryProperty().get() == null ? ""
                : vm.openDictionaryProperty().get().name() + " · " + vm.openSiteProperty().get(), vm.openDictionaryProperty(), vm.openSiteProperty()));
        VBox box = new VBox(8, title, site, histogram, section("Top activations"), topExamples, section("Across its activation range"), rangeExamples,
                section("Logit effects (direct)"), new HBox(6, new VBox(2, new Label("raises"), raised), new VBox(2, new Label("lowers"), lowered)));
        box.setPrefWidth(350);
        box.getStyleClass().add("detail-box");
        setContent(box);
        setFitToWidth(true);
        vm.detail().featureProperty().addListener((o, a, b) -> title.setText(b.intValue() < 0 ? "No feature selected" : "Feature " + b));
        vm.detail().histogramProperty().addListener((o, a, b) -> drawHistogram(b));
        vm.detail().topExamples().addListener((ListChangeListener<ExampleLine>) c -> fill(topExamples, vm.detail().topExamples()));
        vm.detail().rangeExamples().addListener((ListChangeListener<ExampleLine>) c -> fill(rangeExamples, vm.detail().rangeExamples()));
        vm.detail().raisedTokens().addListener((ListChangeListener<LogitEffects.TokenEffect>) c -> raised.getItems().setAll(
                vm.detail().raisedTokens().stream().map(FeatureDetailPane::effect).toList()));
        vm.detail().loweredTokens().addListener((ListChangeListener<LogitEffects.TokenEffect>) c -> lowered.getItems().setAll(
                vm.detail().loweredTokens().stream().map(FeatureDetailPane::effect).toList()));
        drawHistogram(null);
    }

    private static Label section(String s) {
        Label l = new Label(s);
        l.getStyleClass().add("section");
        return l;
    }

    private static String effect(LogitEffects.TokenEffect e) {
        return String.format(Locale.ROOT, "%+.3f  %s", e.logit(), e.text().replace("\n", "↵"));
    }

    private static void fill(VBox box, java.util.List<ExampleLine> lines) {
        box.getChildren().clear();
        float scale = 0;
        for (ExampleLine l : lines) {
            for (float a : l.activations()) {
                scale = Math.max(scale, a);
            }
        }
        for (ExampleLine l : lines) {
            Label v = new Label(String.format(Locale.ROOT, "%.3f", l.value()));
            v.getStyleClass().add("example-value");
            v.setMinWidth(46);
            var flow = TokenText.of(l.tokens(), l.activations(), scale, false, l.position());
            flow.setPrefWidth(280);
            box.getChildren().add(new HBox(4, v, flow));
        }
    }

    private void drawHistogram(Histogram h) {
        GraphicsContext g = histogram.getGraphicsContext2D();
        double w = histogram.getWidth(), hh = histogram.getHeight();
        g.clearRect(0, 0, w, hh);
        g.setStroke(Color.GRAY);
        g.strokeLine(0, hh - 16, w, hh - 16);
        if (h == null) {
            return;
        }
        long max = 1;
        for (long c : h.counts()) {
            max = Math.max(max, c);
        }
        double bw = w / h.bins();
        g.setFill(Color.rgb(255, 120, 40, 0.85));
        for (int i = 0; i < h.bins(); i++) {
            // log scale on counts: heavy tails stay visible
            double f = h.counts()[i] == 0 ? 0 : Math.log1p(h.counts()[i]) / Math.log1p(max);
            g.fillRect(i * bw + 1, (hh - 16) * (1 - f), bw - 2, (hh - 16) * f);
        }
        g.setFill(Color.GRAY);
        g.fillText("0", 0, hh - 2);
        g.fillText(String.format(Locale.ROOT, "%.2f", h.hi()), w - 34, hh - 2);
        g.fillText("activation (count, log)", w / 2 - 55, hh - 2);
    }
}
