package org.sparsescope.app.ui;

import java.util.Locale;
import javafx.collections.ListChangeListener;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.features.ExampleLine;
import org.sparsescope.viewmodels.features.TokenLogit;

/** One feature: its activation histogram, top examples and examples across its range as highlighted text, and logit effects. */
final class FeatureDetailPane extends ScrollPane {
    private final Label title = new Label("No feature selected");
    private final HistogramCanvas histogram = new HistogramCanvas(270, 150, "activation");
    private final HistogramCanvas logitHistogram = new HistogramCanvas(270, 120, "direct logit effect (every token)");
    private final Label summary = new Label();
    private final VBox bands = new VBox(6);
    private final VBox correlated = new VBox(1);
    private final VBox nearest = new VBox(1);
    final VBox topExamples = new VBox(4);
    private final VBox raised = new VBox(1);
    final javafx.scene.control.Button prompts = new javafx.scene.control.Button("Prompts and answers…");
    private final VBox lowered = new VBox(1);

    FeatureDetailPane(MainViewModel vm) {
        getStyleClass().add("detail");
        topExamples.setId("topExamples");
        title.getStyleClass().add("title");
        // every row shown: a nested scroll box hid all but four
        raised.setPrefWidth(135);
        lowered.setPrefWidth(135);
        raised.getStyleClass().add("logit-list");
        lowered.getStyleClass().add("logit-list");
        Label site = new Label();
        site.setId("detailSite");
        site.getStyleClass().add("site");
        site.setWrapText(true);
        site.textProperty()
                .bind(javafx.beans.binding.Bindings.createStringBinding(
                        () -> vm.openDictionaryProperty().get() == null
                                ? ""
                                : vm.openDictionaryProperty().get().name() + " · "
                                        + vm.openSiteProperty().get(),
                        vm.openDictionaryProperty(),
                        vm.openSiteProperty()));
        summary.setId("detailSummary");
        summary.getStyleClass().add("site");
        summary.setWrapText(true);
        summary.textProperty().bind(vm.detail().summaryProperty());
        bands.setId("detailBands");
        // the stored autointerp result of this feature, and what was asked to get it
        Label explanation = new Label();
        explanation.setId("detailExplanation");
        explanation.getStyleClass().add("explanation");
        explanation.setWrapText(true);
        Label scores = new Label();
        scores.getStyleClass().add("site");
        scores.setWrapText(true);
        prompts.setId("showPrompts");
        var shown = vm.autointerp().shownProperty();
        explanation
                .textProperty()
                .bind(javafx.beans.binding.Bindings.createStringBinding(
                        () -> shown.get() == null || shown.get().explanation().isEmpty()
                                ? ""
                                : "“" + shown.get().explanation() + "”",
                        shown));
        scores.textProperty()
                .bind(javafx.beans.binding.Bindings.createStringBinding(
                        () -> shown.get() == null
                                ? ""
                                : shown.get().scores() + " · " + shown.get().explainer(),
                        shown));
        VBox explained = new VBox(2, explanation, scores, prompts);
        explained.visibleProperty().bind(shown.isNotNull());
        explained.managedProperty().bind(explained.visibleProperty());
        prompts.setOnAction(e -> {
            if (shown.get() != null) {
                ExchangesDialog.dialog(getScene().getWindow(), shown.get()).show();
            }
        });
        VBox box = new VBox(
                8,
                title,
                site,
                explained,
                summary,
                histogram,
                section("Top activations"),
                topExamples,
                section("Quantile bands (equal-width bands of (0, max], sampled)"),
                bands,
                section("Logit effects (direct)"),
                new HBox(6, new VBox(2, new Label("raises"), raised), new VBox(2, new Label("lowers"), lowered)),
                logitHistogram,
                section("Most correlated features (Pearson over the set)"),
                correlated,
                section("Nearest decoder directions (cosine)"),
                nearest);
        box.setPrefWidth(290);
        box.getStyleClass().add("detail-box");
        setContent(box);
        setFitToWidth(true);
        vm.detail()
                .featureProperty()
                .addListener((o, a, b) -> title.setText(b.intValue() < 0 ? "No feature selected" : "Feature " + b));
        vm.detail().histogramProperty().addListener((o, a, b) -> histogram.draw(b));
        vm.detail().topExamples().addListener((ListChangeListener<ExampleLine>)
                c -> fill(topExamples, vm.detail().topExamples()));
        vm.detail().bands().addListener((ListChangeListener<
                        org.sparsescope.viewmodels.features.FeatureDetailViewModel.Band>)
                c -> showBands(vm));
        vm.detail().logitHistogramProperty().addListener((o, a, b) -> logitHistogram.draw(b));
        vm.detail().correlated().addListener((ListChangeListener<
                        org.sparsescope.viewmodels.features.FeatureDetailViewModel.NeighbourLine>)
                c -> neighbours(correlated, vm.detail().correlated(), "r", vm));
        vm.detail().nearest().addListener((ListChangeListener<
                        org.sparsescope.viewmodels.features.FeatureDetailViewModel.NeighbourLine>)
                c -> neighbours(nearest, vm.detail().nearest(), "cos", vm));
        vm.detail().raisedTokens().addListener((ListChangeListener<TokenLogit>) c -> raised.getChildren()
                .setAll(vm.detail().raisedTokens().stream()
                        .map(e -> (javafx.scene.Node) new Label(effect(e)))
                        .toList()));
        vm.detail().loweredTokens().addListener((ListChangeListener<TokenLogit>) c -> lowered.getChildren()
                .setAll(vm.detail().loweredTokens().stream()
                        .map(e -> (javafx.scene.Node) new Label(effect(e)))
                        .toList()));
    }

    private void showBands(MainViewModel vm) {
        bands.getChildren().clear();
        for (var b : vm.detail().bands()) {
            Label head = new Label(String.format(
                    Locale.ROOT,
                    "band %d: %.3f – %.3f  (%d example%s)",
                    b.index() + 1,
                    b.lo(),
                    b.hi(),
                    b.examples().size(),
                    b.examples().size() == 1 ? "" : "s"));
            head.getStyleClass().add("band-head");
            VBox examples = new VBox(4);
            fill(examples, b.examples());
            bands.getChildren().addAll(head, examples);
        }
    }

    /** Neighbours as links: a click shows that feature here and selects it in the table. */
    private static void neighbours(
            VBox box,
            java.util.List<org.sparsescope.viewmodels.features.FeatureDetailViewModel.NeighbourLine> lines,
            String what,
            MainViewModel vm) {
        box.getChildren()
                .setAll(lines.stream()
                        .map(n -> {
                            javafx.scene.control.Hyperlink link = new javafx.scene.control.Hyperlink(String.format(
                                    Locale.ROOT, "%d  %s %.3f  %s", n.feature(), what, n.value(), n.topTokens()));
                            link.setOnAction(
                                    e -> vm.features().selectedFeatureProperty().set(n.feature()));
                            return (javafx.scene.Node) link;
                        })
                        .toList());
    }

    private static Label section(String s) {
        Label l = new Label(s);
        l.getStyleClass().add("section");
        l.setWrapText(true); // a long heading takes a second line in a narrow pane rather than losing its end
        return l;
    }

    private static String effect(TokenLogit e) {
        return String.format(Locale.ROOT, "%+.3f  %s", e.logit(), e.text().replace("\n", "↵"));
    }

    private MainViewModel owner;
    private Runnable showPrompt = () -> {};

    /** What a double-clicked example does: its text goes to the prompt inspector, which the window then shows. */
    void onInspect(MainViewModel vm, Runnable show) {
        this.owner = vm;
        this.showPrompt = show;
    }

    private void fill(VBox box, java.util.List<ExampleLine> lines) {
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
            flow.setPrefWidth(220); // with the value, the width of a 1366x768 screen's detail pane
            HBox row = new HBox(4, v, flow);
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && owner != null) {
                    owner.inspectExample(l);
                    showPrompt.run();
                }
            });
            javafx.scene.control.Tooltip.install(
                    v, new javafx.scene.control.Tooltip("double-click: inspect this text in the Prompt tab"));
            box.getChildren().add(row);
        }
    }
}
