package org.sparsescope.viewmodels.features;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.export.DashboardHtml;
import org.sparsescope.compute.export.FeatureDashboard;
import org.sparsescope.compute.export.FeatureTableCsv;
import org.sparsescope.compute.export.NeuronpediaExport;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.OpenDictionary;

/** The open dictionary's features written out: the table as CSV, dashboards as HTML, all of it in Neuronpedia's layout; in the background. */
public final class ExportsViewModel {
    private final Background background;
    private final ReadOnlyStringWrapper last = new ReadOnlyStringWrapper("");

    public ExportsViewModel(Background background) {
        this.background = background;
    }

    public void csv(OpenDictionary s, Path file, Consumer<Throwable> onError) {
        FeatureReport r = s.report();
        List<String> tokens = s.topTokens();
        background.submit(
                "Export the feature table",
                (p, c) -> {
                    FeatureTableCsv.write(file, r, tokens);
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
                                ds);
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
                                p,
                                c);
                    }
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
