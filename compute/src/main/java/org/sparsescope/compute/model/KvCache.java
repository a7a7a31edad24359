package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;

/**
 * The keys and values of every layer for the positions a sequence has seen so far, so that the next token's pass
 * computes only its own row (incremental decoding). Its arrays are made in each pass's scope; {@link #keepIn} moves
 * them to the sequence's own before that scope closes. Made by {@link LanguageModel#newCache}.
 */
public final class KvCache {
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    KvCache(int layers) {
        keys = new NDArray[layers];
        values = new NDArray[layers];
    }

    /** Positions cached so far; the next token's position. */
    public int length() {
        return length;
    }

    /** Layer {@code l}'s keys and values [B, nh, past + new, hs] with {@code k} and {@code v} [B, nh, new, hs] appended. */
    NDArray[] append(int l, NDArray k, NDArray v) {
        keys[l] = grown(keys[l], k);
        values[l] = grown(values[l], v);
        return new NDArray[] {keys[l], values[l]};
    }

    /** old ‖ added along positions; the old array is freed, or a long generation would keep every step's copy. */
    private static NDArray grown(NDArray old, NDArray added) {
        if (old == null) {
            return added;
        }
        NDArray out = old.concat(added, 2); // lands with old, in the sequence's scope
        old.close();
        return out;
    }

    /** Moves the cached arrays to {@code manager}, which outlives the pass that made the latest of them. */
    public void keepIn(ai.djl.ndarray.NDManager manager) {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].attach(manager);
                values[l].attach(manager);
            }
        }
    }

    /** Moves layer {@code l}'s arrays from a block's scope {@code from} to the pass's {@code to} as the block ends. */
    void keepLayer(int l, ai.djl.ndarray.NDManager from, ai.djl.ndarray.NDManager to) {
        LanguageModel.keep(keys[l], from, to);
        LanguageModel.keep(values[l], from, to);
    }

    /** Called once a pass has gone through every layer. */
    void advance(int tokens) {
        length += tokens;
    }
}
