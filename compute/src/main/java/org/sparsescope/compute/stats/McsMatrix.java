package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The sweep's MCS matrix (the seed's {@code mmcs_from_list}) for N dictionaries of one width: cell (i, j) is the
 * mean over dictionary i's features of the best cosine similarity of its decoder direction to any of dictionary
 * j's (row → column), so the diagonal is 1 and a row of a small dictionary against a larger one is the seed's
 * {@code run_mmcs_with_larger}. Each feature's best cosine is kept, so the fraction of row i's features with
 * MCS ≥ any threshold is read without recomputing.
 *
 * @param maxCosine [i][j][f]: feature f of dictionary i, its best cosine with dictionary j
 */
public record McsMatrix(float[][][] maxCosine) {

    public int size() {
        return maxCosine.length;
    }

    /** MMCS of row i against column j. */
    public double mmcs(int i, int j) {
        double sum = 0;
        for (float v : maxCosine[i][j]) {
            sum += v;
        }
        return sum / maxCosine[i][j].length;
    }

    /** The fraction of row i's features whose best cosine with column j's decoder is at least {@code threshold}. */
    public double fractionAtLeast(int i, int j, double threshold) {
        long n = 0;
        for (float v : maxCosine[i][j]) {
            n += v >= threshold ? 1 : 0;
        }
        return (double) n / maxCosine[i][j].length;
    }

    public double[][] mmcs() {
        double[][] m = new double[size()][size()];
        for (int i = 0; i < size(); i++) {
            for (int j = 0; j < size(); j++) {
                m[i][j] = mmcs(i, j);
            }
        }
        return m;
    }

    public double[][] fractionAtLeast(double threshold) {
        double[][] m = new double[size()][size()];
        for (int i = 0; i < size(); i++) {
            for (int j = 0; j < size(); j++) {
                m[i][j] = fractionAtLeast(i, j, threshold);
            }
        }
        return m;
    }

    /**
     * Computes the matrix, each dictionary's unit decoder rows put on the engine once for all its pairs. The
     * diagonal is computed like any cell (1 but for a feature whose decoder row is zero).
     */
    public static McsMatrix of(
            List<Dictionary> dictionaries, Device device, ProgressListener progress, Cancellation cancel)
            throws CancelledException {
        int n = dictionaries.size();
        for (Dictionary d : dictionaries) {
            if (d.dIn() != dictionaries.get(0).dIn()) {
                throw new IllegalArgumentException("dictionaries of different width: d_in "
                        + dictionaries.get(0).dIn() + " and " + d.dIn());
            }
        }
        float[][][] best = new float[n][n][];
        long t0 = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager(device)) {
            List<NDArray> rows = new ArrayList<>(), columns = new ArrayList<>();
            for (Dictionary d : dictionaries) {
                try (NDManager scope = m.newSubManager()) {
                    NDArray unit = DictionaryComparison.unit(d.codec(scope).decoderRows());
                    unit.attach(m);
                    rows.add(unit);
                    NDArray t = unit.transpose();
                    t.attach(m);
                    columns.add(t);
                }
            }
            int done = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    cancel.check();
                    int features = dictionaries.get(i).dSae();
                    best[i][j] = new float[features];
                    double[] mcs = new double[features];
                    DictionaryComparison.bestMatches(rows.get(i), columns.get(j), mcs, null);
                    for (int f = 0; f < features; f++) {
                        best[i][j][f] = (float) mcs[f];
                    }
                    done++;
                    progress.onProgress(
                            Progress.of(done, (long) n * n, (System.nanoTime() - t0) / 1e9, "pairs/s", "MCS matrix"));
                }
            }
        }
        return new McsMatrix(best);
    }
}
