package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.synthetic.GroundTruth;

/**
 * How close a dictionary is to the features a synthetic set was made of, by the cosine of decoder directions to true
 * directions, in both directions:
 * <ul>
 * <li>per true feature, its best cosine with any decoder row: their mean is the research code's
 * {@code mean_max_cosine_similarity(ground_truth, learned)} (how much of the truth is found), and the fraction at or
 * above a threshold counts the true features recovered;</li>
 * <li>per dictionary feature, its best cosine with any true direction: their mean is its {@code mmcs_to_fixed}
 * (how much of the dictionary is true), and each feature's best match is shown in the feature table.</li>
 * </ul>
 * Signed cosines, as the research code takes them: a direction found with the wrong sign is not found.
 */
public record TruthRecovery(double[] truthBest, int[] truthMatch, double[] dictionaryBest, int[] dictionaryMatch) {

    /** The threshold the research code counts a feature as found at. */
    public static final double DEFAULT_THRESHOLD = 0.9;

    /** Mean over true features of the best cosine with the dictionary: how much of the truth is found. */
    public double truthMmcs() {
        return mean(truthBest);
    }

    /** Mean over dictionary features of the best cosine with a true feature: how much of the dictionary is true. */
    public double dictionaryMmcs() {
        return mean(dictionaryBest);
    }

    /** The fraction of true features whose best cosine with the dictionary is at least {@code threshold}. */
    public double recovered(double threshold) {
        return fractionAtLeast(truthBest, threshold);
    }

    /** The fraction of dictionary features within {@code threshold} of some true feature. */
    public double dictionaryTrue(double threshold) {
        return fractionAtLeast(dictionaryBest, threshold);
    }

    /**
     * Each dictionary feature named by its nearest true feature, cosine first so that the names sort by it:
     * "cos 0.982 → true #37".
     */
    public java.util.List<String> featureNames() {
        java.util.List<String> out = new java.util.ArrayList<>(dictionaryBest.length);
        for (int i = 0; i < dictionaryBest.length; i++) {
            out.add(String.format(java.util.Locale.ROOT, "cos %.3f → true #%d", dictionaryBest[i], dictionaryMatch[i]));
        }
        return out;
    }

    public static TruthRecovery of(Dictionary dictionary, GroundTruth truth, Device device) {
        if (dictionary.dIn() != truth.d()) {
            throw new IllegalArgumentException(
                    "the dictionary reads d " + dictionary.dIn() + " but the truth's directions have d " + truth.d());
        }
        int nTrue = truth.features(), nDict = dictionary.dSae();
        double[] tb = new double[nTrue], db = new double[nDict];
        int[] tm = new int[nTrue], dm = new int[nDict];
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray dict = DictionaryComparison.unit(dictionary.codec(m).decoderRows());
            NDArray t = DictionaryComparison.unit(m.create(truth.directions(), new Shape(nTrue, truth.d())));
            DictionaryComparison.bestMatches(t, dict.transpose(), tb, tm);
            DictionaryComparison.bestMatches(dict, t.transpose(), db, dm);
        }
        return new TruthRecovery(tb, tm, db, dm);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    private static double fractionAtLeast(double[] v, double threshold) {
        long n = 0;
        for (double x : v) {
            n += x >= threshold ? 1 : 0;
        }
        return v.length == 0 ? Double.NaN : (double) n / v.length;
    }
}
