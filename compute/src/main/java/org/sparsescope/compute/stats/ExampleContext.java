package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.Optional;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.model.Tokenizer;

/**
 * An example in its text: the tokens of the window around a row (cut at document boundaries), and the feature's
 * activation on each of them, for token-highlighted views.
 *
 * @param position index in {@code tokens} of the example's own token
 */
public record ExampleContext(
        long row, int feature, String[] tokens, long[] tokenIds, float[] activations, int position) {

    /**
     * The context of {@code row} for {@code feature}: up to {@code before} tokens before and {@code after} after,
     * within the row's window and document. Empty when the set cannot trace rows back to text.
     */
    public static Optional<ExampleContext> of(
            ActivationSet set, Dictionary dictionary, Tokenizer tokenizer, long row, int feature, int before, int after)
            throws IOException {
        try (org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice =
                new org.sparsescope.compute.dictionary.DictionaryOnDevice(dictionary, Device.cpu())) {
            return of(set, onDevice, tokenizer, row, feature, before, after);
        }
    }

    /** As {@link #of(ActivationSet, Dictionary, Tokenizer, long, int, int, int)}, encoding with weights already on a device. */
    public static Optional<ExampleContext> of(
            ActivationSet set,
            org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice,
            Tokenizer tokenizer,
            long row,
            int feature,
            int before,
            int after)
            throws IOException {
        Dictionary dictionary = onDevice.dictionary();
        Optional<ActivationSet.TokenContext> ctx = set.context(row);
        if (ctx.isEmpty()) {
            return Optional.empty();
        }
        ActivationSet.TokenContext c = ctx.get();
        int pos = c.position();
        int doc = c.documents()[pos];
        int from = pos, to = pos;
        while (from > 0 && pos - from < before && c.documents()[from - 1] == doc) {
            from--;
        }
        while (to < c.tokenIds().length - 1 && to - pos < after && c.documents()[to + 1] == doc) {
            to++;
        }
        int len = to - from + 1;
        float[] x = set.readRows(row - pos + from, len); // the window's rows are contiguous in the set
        float[] acts = new float[len];
        try (NDManager m = NDManager.newBaseManager(onDevice.device())) {
            float[] codes = onDevice.codec()
                    .encode(m.create(x, new Shape(len, dictionary.dIn())))
                    .toFloatArray();
            for (int i = 0; i < len; i++) {
                acts[i] = codes[i * dictionary.dSae() + feature];
            }
        }
        long[] ids = java.util.Arrays.copyOfRange(c.tokenIds(), from, to + 1);
        String[] texts = new String[len];
        for (int i = 0; i < len; i++) {
            texts[i] = tokenizer.tokenText(ids[i]);
        }
        return Optional.of(new ExampleContext(row, feature, texts, ids, acts, pos - from));
    }
}
