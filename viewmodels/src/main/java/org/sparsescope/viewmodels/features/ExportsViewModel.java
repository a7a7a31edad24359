package org.sparsescope.viewmodels.features;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.dictionary.format.SparsifyWriter;
import org.sparsescope.compute.export.DashboardHtml;
import org.sparsescope.compute.export.FeatureDashboard;
import org.sparsescope.compute.export.FeatureTableCsv;
import org.sparsescope.compute.export.NeuronpediaExport;
import org.sparsescope.compute.handoff.DelphiLatentCache;
import org.sparsescope.compute.handoff.SaeLensCachedActivations;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TransformerConfig;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.OpenDictionary;

/** The open dictionary's features written out: the table as CSV, dashboards as HTML, all of it in Neuronpedia's layout; in the background. */
public final class ExportsViewModel {
    private final Background background;
    private final ReadOnlyStringWrapper last = new ReadOnlyStringWrapper("");

    public ExportsViewModel(Background background) {
        this.background = background;
    }

    /** A dictionary's stored autointerp results, which the exports carry (none until the window says where). */
    public interface ExplanationSource {
        java.util.Optional<org.sparsescope.compute.autointerp.AutointerpRun.Stored> of(OpenDictionary d)
                throws java.io.IOException;
    }

    private volatile ExplanationSource explanations = d -> java.util.Optional.empty();

    public void setExplanations(ExplanationSource source) {
        this.explanations = source;
    }

    private org.sparsescope.compute.autointerp.AutointerpRun.Stored explained(OpenDictionary d)
            throws java.io.IOException {
        return explanations.of(d).orElse(null);
    }

    public void csv(OpenDictionary s, Path file, Consumer<Throwable> onError) {
        FeatureReport r = s.report();
        List<String> tokens = s.topTokens();
        background.submit(
                "Export the feature table",
                (p, c) -> {
                    FeatureTableCsv.write(file, r, tokens, explained(s));
                    return file;
                },
                this::done,
                onError);
    }

    public void html(OpenDictionary s, Path file, int[] features, Consumer<Throwable> onError) {
        FeatureReport r = s.report();
        List<String> tokens = s.topTokens();
        background.submit(
                "Export " + features.length + " dashboard" + (features.length == 1 ? "" : "s"),
                (p, c) -> {
                    LanguageModel lm = s.model();
                    try (DictionaryOnDevice d = DictionaryOnDevice.beside(s.dictionary(), lm)) {
                        ActivationSet set = s.activations();
                        List<FeatureDashboard> ds = FeatureDashboard.of(
                                lm,
                                d,
                                set,
                                r,
                                tokens,
                                features,
                                FeatureAnalysis.Options.defaults().bands(),
                                true,
                                p,
                                c);
                        DashboardHtml.write(
                                file,
                                s.name() + ": " + features.length + " feature" + (features.length == 1 ? "" : "s"),
                                s.modelName() + " @ " + s.hook().name() + " · statistics over "
                                        + r.stats().rows() + " tokens · Sparsescope",
                                ds,
                                explained(s));
                    }
                    return file;
                },
                this::done,
                onError);
    }

    public void neuronpedia(OpenDictionary s, Path dir, String modelId, Consumer<Throwable> onError) {
        FeatureReport r = s.report();
        List<String> tokens = s.topTokens();
        background.submit(
                "Export for Neuronpedia",
                (p, c) -> {
                    LanguageModel lm = s.model();
                    try (DictionaryOnDevice d = DictionaryOnDevice.beside(s.dictionary(), lm)) {
                        return NeuronpediaExport.write(
                                new NeuronpediaExport.Target(
                                        dir,
                                        modelId,
                                        "sparsescope",
                                        lm.hook(s.hook().name())),
                                lm,
                                d,
                                s.activations(),
                                r,
                                tokens,
                                explained(s),
                                p,
                                c);
                    }
                },
                this::done,
                onError);
    }

    /** The open dictionary's activation set as SAELens cached activations (a datasets folder), for the cluster. */
    public void saeLensCache(OpenDictionary s, Path dir, Consumer<Throwable> onError) {
        background.submit(
                "Export SAELens cached activations",
                (p, c) -> SaeLensCachedActivations.export(s.activations(), dir, null, 0, p, c)
                        .out(),
                this::done,
                onError);
    }

    /** Whether sparsify needs a k named for this dictionary (it trains TopK only; a TopK dictionary has its own). */
    public boolean sparsifyNeedsK(OpenDictionary s) {
        return !(s.dictionary() instanceof TopKDictionary);
    }

    /** A k to offer for a ReLU dictionary: its mean L0 on its own set, rounded. */
    public int suggestedK(OpenDictionary s) {
        return (int) Math.max(1, Math.round(s.entry().l0()));
    }

    /**
     * The open dictionary in sparsify's layout under {@code run}, to --finetune from; {@code kText} is the k a ReLU
     * dictionary is to be fine-tuned with (blank: a TopK dictionary's own).
     */
    public void sparsify(OpenDictionary s, Path run, String kText, Consumer<Throwable> onError) {
        Integer k;
        try {
            k = kText == null || kText.isBlank() ? null : Integer.valueOf(kText.strip());
        } catch (NumberFormatException e) {
            onError.accept(new IllegalArgumentException("k must be a whole number, not '" + kText + "'"));
            return;
        }
        if (s.synthetic()) {
            onError.accept(new IllegalArgumentException(
                    s.name() + " reads a synthetic set: it has no model for sparsify to hook"));
            return;
        }
        background.submit(
                "Export for sparsify",
                (p, c) -> {
                    Placement pl = s.placement();
                    var family = TransformerConfig.read(pl.at().modelFolder()).architecture();
                    String hookpoint = SparsifyWriter.hookpoint(s.hook(), family, pl.dictionary());
                    return SparsifyWriter.save(
                            s.dictionary(),
                            pl.dictionary(),
                            run,
                            hookpoint,
                            k,
                            pl.provenance().model(),
                            pl.provenance().contextSize() > 0 ? pl.provenance().contextSize() : null);
                },
                this::done,
                onError);
    }

    /** The open dictionary's codes on its own set as delphi's latent cache under {@code dir}. */
    public void delphi(OpenDictionary s, Path dir, Consumer<Throwable> onError) {
        if (s.synthetic()) {
            onError.accept(new IllegalArgumentException(
                    s.name() + " reads a synthetic set: delphi shows examples as text, and it has none"));
            return;
        }
        background.submit(
                "Export delphi's latent cache",
                (p, c) -> {
                    Placement pl = s.placement();
                    var family = TransformerConfig.read(pl.at().modelFolder()).architecture();
                    return DelphiLatentCache.export(
                                    s.dictionary(),
                                    s.activations(),
                                    dir,
                                    SparsifyWriter.hookpoint(s.hook(), family, pl.dictionary()),
                                    pl.provenance().model(),
                                    pl.provenance().datasetPath(),
                                    5,
                                    org.sparsescope.compute.Devices.preferred(),
                                    p,
                                    c)
                            .moduleDir();
                },
                this::done,
                onError);
    }

    private void done(Path p) {
        last.set("wrote " + p);
    }

    /** What the last export wrote. */
    public ReadOnlyStringProperty lastProperty() {
        return last.getReadOnlyProperty();
    }
}
