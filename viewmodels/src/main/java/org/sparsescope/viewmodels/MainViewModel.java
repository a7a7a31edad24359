package org.sparsescope.viewmodels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.workspace.AnalysisCache;
import org.sparsescope.viewmodels.ablation.AblationViewModel;
import org.sparsescope.viewmodels.features.FeatureDetailViewModel;
import org.sparsescope.viewmodels.features.FeatureTableViewModel;
import org.sparsescope.viewmodels.frontier.FrontierViewModel;
import org.sparsescope.viewmodels.training.TrainingViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * The window's state: the workspace and every view's model, linked. Opening a dictionary (from the table, the
 * frontier or the command line) loads its cached report into the feature table; selecting a feature there or on
 * the density plot shows it in the detail; the ablation panel and the training sweep act on the same dictionary,
 * model and activations. Holds the loaded model; close it on exit.
 */
public final class MainViewModel implements AutoCloseable {
    private final Background background;
    private final WorkspaceViewModel workspace;
    private final FrontierViewModel frontier;
    private final FeatureTableViewModel features = new FeatureTableViewModel();
    private final FeatureDetailViewModel detail;
    private final AblationViewModel ablation;
    private final TrainingViewModel training;
    private final AnalysisCache cache;
    private final ReadOnlyObjectWrapper<DictionaryEntry> openDictionary = new ReadOnlyObjectWrapper<>();
    private Dictionary dictionary;
    private LanguageModel model;
    private ActivationSet activations;

    public MainViewModel(Background background, Path workspaceDir) {
        this.background = background;
        this.workspace = new WorkspaceViewModel(background, workspaceDir);
        this.frontier = new FrontierViewModel(background, workspace);
        this.detail = new FeatureDetailViewModel(background);
        this.ablation = new AblationViewModel(background);
        this.training = new TrainingViewModel(background, workspace, frontier);
        this.cache = new AnalysisCache(workspaceDir);
        features.selectedFeatureProperty().addListener((o, a, b) -> detail.show(b.intValue(), detailSource(), workspace::fail));
    }

    public Background background() {
        return background;
    }

    public WorkspaceViewModel workspace() {
        return workspace;
    }

    public FrontierViewModel frontier() {
        return frontier;
    }

    public FeatureTableViewModel features() {
        return features;
    }

    public FeatureDetailViewModel detail() {
        return detail;
    }

    public AblationViewModel ablation() {
        return ablation;
    }

    public TrainingViewModel training() {
        return training;
    }

    public ReadOnlyObjectProperty<DictionaryEntry> openDictionaryProperty() {
        return openDictionary.getReadOnlyProperty();
    }

    /** Opens a workspace dictionary in the feature views: its report from the cache, or computed in the background. */
    public void open(String id) {
        DictionaryEntry e = workspace.find(id);
        Path set = workspace.activationsProperty().get();
        if (e == null) {
            return;
        }
        if (set == null) {
            workspace.fail(new IllegalStateException("no activation set yet; the demo harvests one in the background"));
            return;
        }
        background.submit("Statistics of " + e.name(), (p, c) -> {
            Dictionary d = workspace.readDictionary(e.path());
            try (ActivationSet s = ActivationSet.open(set)) {
                DictionaryMetrics.requireSameWidth(d, e.path(), s);
                FeatureReport r = cache.report(e.path(), d, s, 0, s.rows(), FeatureAnalysis.Options.defaults(), Devices.preferred(), p, c);
                return new Object[] {d, r, topTokens(s, r)};
            }
        }, r -> {
            dictionary = (Dictionary) r[0];
            openDictionary.set(e);
            @SuppressWarnings("unchecked")
            List<String> tokens = (List<String>) r[2];
            features.load((FeatureReport) r[1], tokens);
        }, workspace::fail);
    }

    private List<String> topTokens(ActivationSet set, FeatureReport r) throws IOException {
        List<String> out = new ArrayList<>();
        LanguageModel lm = set.hasTokens() ? model() : null;
        for (int j = 0; j < r.stats().features(); j++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; lm != null && i < Math.min(3, r.top().count(j)); i++) {
                Optional<ActivationSet.TokenContext> c = set.context(r.top().rows()[j][i]);
                if (c.isPresent()) {
                    sb.append(i == 0 ? "" : " · ").append(lm.tokenizer().tokenText(c.get().tokenIds()[c.get().position()]).replace("\n", "\\n"));
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** The workspace's model, loaded once. */
    public synchronized LanguageModel model() throws IOException {
        Path m = workspace.modelProperty().get();
        if (m == null) {
            throw new IllegalStateException("no model in this workspace");
        }
        if (model == null || !model.dir().equals(m)) {
            if (model != null) {
                model.close();
            }
            model = LanguageModel.load(m);
        }
        return model;
    }

    /** The workspace's activation set, opened once (reads are safe from several threads). */
    public synchronized ActivationSet activations() throws IOException {
        Path p = workspace.activationsProperty().get();
        if (p == null) {
            throw new IllegalStateException("no activation set in this workspace yet");
        }
        if (activations == null || !activations.location().equals(p)) {
            if (activations != null) {
                activations.close();
            }
            activations = ActivationSet.open(p);
        }
        return activations;
    }

    private FeatureDetailViewModel.Source detailSource() {
        return new FeatureDetailViewModel.Source() {
            @Override
            public Dictionary dictionary() {
                return dictionary;
            }

            @Override
            public FeatureReport report() {
                return features.reportProperty().get();
            }

            @Override
            public ActivationSet activations() throws IOException {
                return MainViewModel.this.activations();
            }

            @Override
            public LanguageModel model() throws IOException {
                return MainViewModel.this.model();
            }
        };
    }

    /** Runs the ablation panel on the open dictionary over the workspace's text. */
    public void runAblation() {
        if (dictionary == null) {
            workspace.fail(new IllegalStateException("open a dictionary first"));
            return;
        }
        Dictionary d = dictionary;
        ablation.run(new AblationViewModel.Source() {
            @Override
            public LanguageModel model() throws IOException {
                return MainViewModel.this.model();
            }

            @Override
            public Dictionary dictionary() {
                return d;
            }

            @Override
            public Path text() {
                return workspace.corpusProperty().get();
            }
        }, workspace::fail);
    }

    @Override
    public synchronized void close() {
        if (model != null) {
            model.close();
            model = null;
        }
        if (activations != null) {
            try {
                activations.close();
            } catch (IOException e) {
                // closing a read-only set cannot lose anything
            }
            activations = null;
        }
    }
}
