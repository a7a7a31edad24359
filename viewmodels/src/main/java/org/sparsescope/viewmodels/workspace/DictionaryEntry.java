package org.sparsescope.viewmodels.workspace;

import java.nio.file.Path;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.intervene.Interventions;

/**
 * A dictionary known to the workspace: where it sits (model and hook), what it is measured on, and its place on
 * the frontier once measured (NaN before). Never silently dropped: a row whose model or hook is unknown, or whose
 * model is missing, stays listed with its status saying why.
 *
 * @param id          the path it was opened from, as a string (unique in a workspace)
 * @param model       the model as named (or stated), "unknown" when nobody said
 * @param pairKey     the (model, hook) pair's identity; null while the placement is not known
 * @param activations the activation set it is measured on, once found or harvested
 * @param status      what the row waits for, or why it cannot be measured
 * @param scorecard   the rest of what it was measured with (null before, or for a trained one not yet re-measured)
 */
public record DictionaryEntry(
        String id,
        String name,
        Path path,
        String architecture,
        int dIn,
        int dSae,
        String model,
        String hook,
        String source,
        String pairKey,
        Path modelFolder,
        Path activations,
        Status status,
        String statusMessage,
        double fvu,
        double l0,
        Scorecard scorecard) {

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
        return withMetrics(newFvu, newL0, set, scorecard);
    }

    public DictionaryEntry withMetrics(double newFvu, double newL0, Path set, Scorecard card) {
        return new DictionaryEntry(
                id,
                name,
                path,
                architecture,
                dIn,
                dSae,
                model,
                hook,
                source,
                pairKey,
                modelFolder,
                set,
                Status.MEASURED,
                "",
                newFvu,
                newL0,
                card);
    }

    public DictionaryEntry withStatus(Status s, String message) {
        return new DictionaryEntry(
                id,
                name,
                path,
                architecture,
                dIn,
                dSae,
                model,
                hook,
                source,
                pairKey,
                modelFolder,
                activations,
                s,
                message,
                fvu,
                l0,
                scorecard);
    }

    public boolean measured() {
        return !Double.isNaN(fvu) && !Double.isNaN(l0);
    }

    /** "model @ hook" as the list shows it. */
    public String site() {
        return model + " @ " + hook;
    }
}
