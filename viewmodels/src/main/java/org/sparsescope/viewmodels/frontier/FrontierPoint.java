package org.sparsescope.viewmodels.frontier;

/**
 * A dictionary on the sparsity/variance plane; {@code live} while a running sweep is still moving it.
 *
 * @param site      the model and hook it reads, "model @ hook", for the tooltip
 * @param truthMmcs on a synthetic set, the mean over true features of their best cosine with its decoder; NaN
 *                  elsewhere or until computed
 * @param recovered on a synthetic set, the fraction of true features it finds at the frontier's recovery threshold (MCS ≥ 0.9
 *                  unless changed); NaN elsewhere
 * @param dictionaryMmcs on a synthetic set, the mean over its features of their best cosine with a true feature (how
 *                  much of the dictionary is true); NaN elsewhere
 */
public record FrontierPoint(
        String id,
        String label,
        double l0,
        double fvu,
        int dSae,
        String architecture,
        boolean live,
        String site,
        double truthMmcs,
        double recovered,
        double dictionaryMmcs) {

    public FrontierPoint(
            String id, String label, double l0, double fvu, int dSae, String architecture, boolean live, String site) {
        this(id, label, l0, fvu, dSae, architecture, live, site, Double.NaN, Double.NaN, Double.NaN);
    }

    /** A checkpoint of a watched cluster run (live, but not trained here). */
    public boolean watched() {
        return id.startsWith("watch:");
    }
}
