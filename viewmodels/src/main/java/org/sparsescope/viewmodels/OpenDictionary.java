package org.sparsescope.viewmodels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.viewmodels.ablation.AblationViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;

/**
 * The dictionary open in the feature views, fixed when it opens: its entry, weights, placement (model and hook),
 * typed hook point, report on its own set and its features' top tokens; and, lent by the window that owns them, its
 * model, its activation set and its one copy on the model's device. The child view-models read the open dictionary
 * only through this object, and a background job keeps the one it started with: its result then always belongs to
 * the dictionary that asked, however many are opened before it ends.
 */
public final class OpenDictionary {
    /** What the window lends: long-lived objects it owns and closes (a job may outlive the dictionary being open). */
    interface Lender {
        /** The placement's model, checked against the dictionary's provenance. */
        LanguageModel model(Placement placement) throws IOException;

        ActivationSet activations(Path set) throws IOException;

        DictionaryOnDevice deviceCopy(String id, Dictionary dictionary, LanguageModel model);
    }

    private final DictionaryEntry entry;
    private final Dictionary dictionary;
    private final Placement placement;
    private final HookPoint hook;
    private final FeatureReport report;
    private final List<String> topTokens;
    private final Lender lender;

    OpenDictionary(
            DictionaryEntry entry,
            Dictionary dictionary,
            Placement placement,
            FeatureReport report,
            List<String> topTokens,
            Lender lender) {
        this.entry = entry;
        this.dictionary = dictionary;
        this.placement = placement;
        // a synthetic set's rows come from a generator, not from a point in a model
        this.hook = org.sparsescope.compute.synthetic.SyntheticSets.isSyntheticModel(
                        placement.at().model())
                ? null
                : placement.at().hook();
        this.report = report;
        this.topTokens = List.copyOf(topTokens);
        this.lender = lender;
    }

    public DictionaryEntry entry() {
        return entry;
    }

    public String id() {
        return entry.id();
    }

    public String name() {
        return entry.name();
    }

    /** "model @ hook", as the feature views' headers name it. */
    public String site() {
        return entry.site();
    }

    public Dictionary dictionary() {
        return dictionary;
    }

    public Placement placement() {
        return placement;
    }

    /** Where in its model it reads; null for a dictionary of a synthetic set, which has no model. */
    public HookPoint hook() {
        return hook;
    }

    /** The model's name as the workspace knows it. */
    public String modelName() {
        return placement.at().model();
    }

    /** Its statistics on its own pair's activation set. */
    public FeatureReport report() {
        return report;
    }

    /** Top tokens per feature, for naming features (empty: the set records no tokens). */
    public List<String> topTokens() {
        return topTokens;
    }

    /** Its own model, checked against its provenance. */
    public LanguageModel model() throws IOException {
        return lender.model(placement);
    }

    /** Its own pair's activation set, the one its report was computed on. */
    public ActivationSet activations() throws IOException {
        return lender.activations(entry.activations());
    }

    /** Its one long-lived copy on its model's device. */
    public DictionaryOnDevice onDevice() throws IOException {
        // a synthetic set's dictionary has no model to sit beside: its copy goes to the preferred device
        return lender.deviceCopy(entry.id(), dictionary, synthetic() ? null : model());
    }

    /** Whether it reads a synthetic set (a generator's rows): no model, no text, a ground truth instead. */
    public boolean synthetic() {
        return hook == null;
    }

    /**
     * What the ablation panel runs on: this dictionary at its own hook of its own model, with the texts taken when
     * the run is asked for (the workspace's corpus, the inspector's prompt, the shown feature's top contexts).
     */
    public AblationViewModel.Source ablationSource(Path text, String prompt, List<long[]> topContexts) {
        List<long[]> contexts = List.copyOf(topContexts);
        return new AblationViewModel.Source() {
            @Override
            public LanguageModel model() throws IOException {
                return OpenDictionary.this.model();
            }

            @Override
            public HookPoint hook() {
                return hook;
            }

            @Override
            public Dictionary dictionary() {
                return dictionary;
            }

            @Override
            public Path text() {
                return text;
            }

            @Override
            public String prompt() {
                return prompt;
            }

            @Override
            public List<long[]> topContexts() {
                return contexts;
            }

            @Override
            public DictionaryOnDevice onDevice() throws IOException {
                return OpenDictionary.this.onDevice();
            }
        };
    }
}
