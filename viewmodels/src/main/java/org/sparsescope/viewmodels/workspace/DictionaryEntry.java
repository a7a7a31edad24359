package org.sparsescope.viewmodels.workspace;

import java.nio.file.Path;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.workspace.ModelHook;

/**
 * A dictionary known to the workspace: what it is, where it sits (model and hook), and its place on the frontier
 * once measured (NaN before). Never silently dropped: a row whose model or hook is unknown, or whose model is
 * missing, stays listed with its status saying why.
 *
 * @param id            the path it was opened from, as a string (unique in a workspace)
 * @param status        what the row waits for, or why it cannot be measured
 * @param statusMessage the status in words
 */
public record DictionaryEntry(
        String id,
        String name,
        Path path,
        Form form,
        Where where,
        Status status,
        String statusMessage,
        Measurement measurement) {

    /**
     * What the dictionary is.
     *
     * @param architecture as the list shows it (e.g. "TopK", "tied ReLU")
     * @param source       the format it was read as
     */
    public record Form(String architecture, int dIn, int dSae, String source) {}

    /**
     * Where it reads.
     *
     * @param model       the model as named (or stated), "unknown" when nobody said
     * @param hook        the hook point; null while nobody has said (or its name is no place the app reads)
     * @param pairKey     the (model, hook) pair's identity; null while the placement is not known
     * @param modelFolder the model's folder here, once found
     */
    public record Where(String model, HookPoint hook, ModelHook.Key pairKey, Path modelFolder) {}

    /**
     * What it was measured with.
     *
     * @param activations the activation set it is measured on, once found or harvested
     * @param scorecard   the rest of what it was measured with (null before, or for a trained one not yet re-measured)
     */
    public record Measurement(Path activations, double fvu, double l0, Scorecard scorecard) {
        public static final Measurement NONE = new Measurement(null, Double.NaN, Double.NaN, null);
    }

    /**
     * SAELens's and SAEBench's figures beside FVU and L0, on the same held-out rows: L1, cosine, L2 ratio, relative
     * reconstruction bias, and, from the windows those rows came from run through the model, the KL score and CE
     * loss recovered (NaN where the set records no tokens).
     */
    public record Scorecard(
            double l1,
            double cosine,
            double l2Ratio,
            double relativeBias,
            double klSpliced,
            double klScore,
            double ceLossRecovered,
            double ceLossRecoveredStandardError,
            int spliceWindows,
            long heldOutRows) {
        /** From the held-out metrics and, where the model ran, the splice over the evaluation windows (null: NaN). */
        public static Scorecard of(DictionaryMetrics m, Interventions.SpliceReport spliced) {
            boolean ran = spliced != null;
            return new Scorecard(
                    m.l1(),
                    m.cosine(),
                    m.l2Ratio(),
                    m.relativeBias(),
                    ran ? spliced.klSpliced() : Double.NaN,
                    ran ? spliced.klScore() : Double.NaN,
                    ran ? spliced.ceLossRecovered() : Double.NaN,
                    ran ? spliced.ceLossRecoveredStandardError() : Double.NaN,
                    ran ? spliced.windows() : 0,
                    m.rows());
        }
    }

    /** Where a dictionary is in its way to the frontier. */
    public enum Status {
        /** its set is being found or harvested, or it is being measured */
        PREPARING,
        MEASURED,
        /** its files name no model or hook: the user is asked once */
        NEEDS_PROVENANCE,
        /** the model it names is not on this machine: the user is asked for its folder */
        MODEL_MISSING,
        FAILED
    }

    public DictionaryEntry withMetrics(double newFvu, double newL0, Path set) {
        return withMetrics(newFvu, newL0, set, scorecard());
    }

    public DictionaryEntry withMetrics(double newFvu, double newL0, Path set, Scorecard card) {
        return new DictionaryEntry(
                id, name, path, form, where, Status.MEASURED, "", new Measurement(set, newFvu, newL0, card));
    }

    public DictionaryEntry withStatus(Status s, String message) {
        return new DictionaryEntry(id, name, path, form, where, s, message, measurement);
    }

    public String architecture() {
        return form.architecture();
    }

    public int dIn() {
        return form.dIn();
    }

    public int dSae() {
        return form.dSae();
    }

    public String source() {
        return form.source();
    }

    public String model() {
        return where.model();
    }

    public HookPoint hook() {
        return where.hook();
    }

    /** The hook as the list shows it: its name, or "unknown". */
    public String hookName() {
        return where.hook() == null ? "unknown" : where.hook().describe();
    }

    public ModelHook.Key pairKey() {
        return where.pairKey();
    }

    public Path modelFolder() {
        return where.modelFolder();
    }

    public Path activations() {
        return measurement.activations();
    }

    public double fvu() {
        return measurement.fvu();
    }

    public double l0() {
        return measurement.l0();
    }

    public Scorecard scorecard() {
        return measurement.scorecard();
    }

    public boolean measured() {
        return !Double.isNaN(fvu()) && !Double.isNaN(l0());
    }

    /** "model @ hook" as the list shows it. */
    public String site() {
        return model() + " @ " + hookName();
    }
}
