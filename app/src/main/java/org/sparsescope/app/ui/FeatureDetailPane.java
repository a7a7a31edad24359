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
    private final Canvas histogram = new Canvas(330, 150);
    final VBox topExamples = new VBox(4);
    private final VBox rangeExamples = new VBox(4);
    private final VBox raised = new VBox(1);
    private final VBox lowered = new VBox(1);

    FeatureDetailPane(MainViewModel vm) {
        getStyleClass().add("detail");
        topExamples.setId("topExamples");
        title.getStyleClass().add("title");
        // every row shown: a nested scroll box hid all but four
        raised.setPrefWidth(165);
        lowered.setPrefWidth(165);
        raised.getStyleClass().add("logit-list");
        lowered.getStyleClass().add("logit-list");
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
        vm.detail().raisedTokens().addListener((ListChangeListener<LogitEffects.TokenEffect>) c -> raised.getChildren().setAll(
                vm.detail().raisedTokens().stream().map(e -> (javafx.scene.Node) new Label(effect(e))).toList()));
        vm.detail().loweredTokens().addListener((ListChangeListener<LogitEffects.TokenEffect>) c -> lowered.getChildren().setAll(
                vm.detail().loweredTokens().stream().map(e -> (javafx.scene.Node) new Label(effect(e))).toList()));
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

    /**
     * The activation histogram as bars over (0, max], with its axes: activation below (linear ticks), count on a
     * log scale at the left, so that heavy tails stay visible and can be read.
     */
    private void drawHistogram(Histogram h) {
        GraphicsContext g = histogram.getGraphicsContext2D();
        double w = histogram.getWidth(), hh = histogram.getHeight();
        double left = 42, bottom = 34, top = 6, right = 8;
        double pw = w - left - right, ph = hh - top - bottom;
        g.clearRect(0, 0, w, hh);
        g.setStroke(Color.GRAY);
        g.strokeRect(left, top, pw, ph);
        if (h == null) {
            return;
        }
        long max = 1;
        for (long c : h.counts()) {
            max = Math.max(max, c);
        }
        double yHi = Math.log10(max) + 0.05;
        g.setFont(javafx.scene.text.Font.font(10));
        g.setFill(Color.GRAY);
        g.setTextAlign(javafx.scene.text.TextAlignment.RIGHT);
        double lastY = Double.POSITIVE_INFINITY;
        for (org.sparsescope.app.plot.Axis.Tick t : new org.sparsescope.app.plot.Axis(0, yHi, true).ticks()) {
            double py = top + ph * (1 - t.at() / yHi);
            if (t.major() && lastY - py > 12) {
                g.fillText(t.label(), left - 4, py + 3);
                g.strokeLine(left - 3, py, left, py);
                lastY = py;
            }
        }
        g.setTextAlign(javafx.scene.text.TextAlignment.CENTER);
        double lastX = Double.NEGATIVE_INFINITY;
        for (org.sparsescope.app.plot.Axis.Tick t : new org.sparsescope.app.plot.Axis(0, h.hi(), false).ticks()) {
            double px = left + pw * t.at() / h.hi();
            if (px - lastX > 34) {
                g.fillText(t.label(), px, top + ph + 12);
                g.strokeLine(px, top + ph, px, top + ph + 3);
                lastX = px;
            }
        }
        g.fillText("activation", left + pw / 2, hh - 4);
        g.save();
        g.translate(10, top + ph / 2);
        g.rotate(-90);
        g.fillText("count (log)", 0, 0);
        g.restore();
        g.setTextAlign(javafx.scene.text.TextAlignment.LEFT);
        double bw = pw / h.bins();
        g.setFill(Color.rgb(255, 120, 40, 0.85));
        for (int i = 0; i < h.bins(); i++) {
            double f = h.counts()[i] == 0 ? 0 : Math.log10(h.counts()[i] + 1) / yHi;
            g.fillRect(left + i * bw + 1, top + ph * (1 - f), Math.max(1, bw - 2), ph * f);
        }
    }
}
