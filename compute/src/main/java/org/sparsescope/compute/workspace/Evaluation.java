package org.sparsescope.compute.workspace;

import java.io.IOException;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;

/**
 * The one definition of what a dictionary is judged on, shared by the window's dictionary list, {@code eval},
 * {@code train} and the PCA baseline, so that one dictionary shows one FVU and one CE loss recovered everywhere:
 * <ul>
 * <li>reconstruction metrics (FVU, L0, …) on the set's held-out rows: its last {@link #heldOutRows} rows, the same
 * rows training leaves out;</li>
 * <li>the model-level figures (KL, CE loss recovered) on {@link #SPLICE_WINDOWS} of the set's windows spread evenly
 * across it ({@link ActivationSet#windowsAcross}), with the standard error of CE loss recovered over those windows.</li>
 * </ul>
 */
public final class Evaluation {
    private Evaluation() {}

    /** At most this many rows are held out: enough that FVU's sampling error is far below its third digit. */
    public static final long MAX_HELD_OUT_ROWS = 65_536;

    /**
     * Windows the model runs on for KL and CE. Measured on the reference world (the demo's set: blocks.2, window 128,
     * 200,064 rows; `eval --kl-windows N`), the standard error of CE loss recovered for l1_4.11e-03 was 0.0153 at 16
     * windows, 0.0066 at 64, 0.0050 at 128 and 0.0035 at 256 (l1_5.01e-04: 0.0015, 0.0006, 0.0005); 128 keeps it
     * below 0.01 with room for a noisier dictionary, at half the model passes of 256.
     */
    public static final int SPLICE_WINDOWS = 128;

    /** The held-out rows of a set of {@code rows}: a tenth of it, at most {@link #MAX_HELD_OUT_ROWS}, at least one. */
    public static long heldOutRows(long rows) {
        return Math.max(1, Math.min(MAX_HELD_OUT_ROWS, rows / 10));
    }

    /**
     * Checks a held-out count the user gave against the set, naming the option and a value that works;
     * {@code requested} ≤ 0 means the default.
     */
    public static long heldOutRows(ActivationSet set, long requested, String option) throws InvalidInputException {
        if (requested <= 0) {
            return heldOutRows(set.rows());
        }
        if (requested >= set.rows()) {
            throw new InvalidInputException(
                    set.location(),
                    "has " + set.rows() + " rows, so " + option + " " + requested + " leaves none to train on; leave "
                            + option + " out for a tenth of the set (" + heldOutRows(set.rows()) + ")");
        }
        return requested;
    }

    /** FVU, L0 and the rest of the reconstruction metrics on the set's held-out rows. */
    public static DictionaryMetrics heldOut(Dictionary d, ActivationSet set) throws IOException {
        long rows = heldOutRows(set.rows());
        return DictionaryMetrics.evaluate(d, set, set.rows() - rows, rows);
    }

    /** The windows KL and CE run on: {@code count} spread across the set (none when it records no tokens). */
    public static long[][] spliceWindows(ActivationSet set, int count) throws IOException {
        return set.windowsAcross(count);
    }

    /** The dictionary spliced into its model at {@code hook} on {@code count} windows across the set; null when it records no tokens. */
    public static Interventions.SpliceReport splice(
            LanguageModel model, Dictionary d, HookPoint hook, ActivationSet set, int count) throws IOException {
        long[][] windows = spliceWindows(set, count);
        if (windows.length == 0) {
            return null;
        }
        try (Interventions iv = new Interventions(model, d, hook)) {
            return iv.splice(windows);
        }
    }

    /**
     * What a placed dictionary measures on a set, as the window's list and {@code eval} show it.
     *
     * @param spliced the splice on the windows across the set; null without a model or tokens in the set
     */
    public record Measured(java.nio.file.Path set, DictionaryMetrics metrics, Interventions.SpliceReport spliced) {}

    /**
     * Checks that the set (and {@code model}, when given) hold the placement's own (model, hook) and that the widths
     * agree, then measures the held-out rows and, with a model and tokens, the splice on {@code windows} windows.
     */
    public static Measured measure(
            Workspace workspace,
            Placement placement,
            Dictionary d,
            java.nio.file.Path dictionary,
            ActivationSet set,
            LanguageModel model,
            int windows)
            throws IOException {
        workspace.requireMatch(placement, set);
        DictionaryMetrics.requireSameWidth(d, dictionary, set);
        DictionaryMetrics m = heldOut(d, set);
        return new Measured(set.location(), m, splice(workspace, placement, d, set, model, windows));
    }

    /** The splice of a placed dictionary into {@code model} (checked to be its own); null without a model or tokens. */
    public static Interventions.SpliceReport splice(
            Workspace workspace, Placement placement, Dictionary d, ActivationSet set, LanguageModel model, int windows)
            throws IOException {
        if (model == null || !placement.ready() || !set.hasTokens()) {
            return null;
        }
        workspace.requireMatch(placement, model);
        return splice(model, d, placement.at().hook(), set, windows);
    }
}
