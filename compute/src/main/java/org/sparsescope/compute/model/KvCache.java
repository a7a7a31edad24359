package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values of every layer for the positions a sequence has seen so far, so that the next token's pass
 * computes only its own row (incremental decoding). Its buffers, written in place and doubled when full, are made in
 * a pass's scope; {@link #keepIn} moves them to the sequence's own before that scope closes. Made by {@link LanguageModel#newCache}.
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

    /**
     * Layer {@code l}'s keys and values [B, nh, past + new, hs] with {@code k} and {@code v} [B, nh, new, hs] appended,
     * as views in the pass's scope of buffers the cache keeps.
     */
    NDArray[] append(int l, NDArray k, NDArray v) {
        int added = (int) k.getShape().get(2), upTo = length + added;
        keys[l] = room(keys[l], k, upTo);
        values[l] = room(values[l], v, upTo);
        NDIndex fresh = new NDIndex(":, :, " + length + ":" + upTo + ", :");
        keys[l].set(fresh, k);
        values[l].set(fresh, v);
        NDIndex seen = new NDIndex(":, :, 0:" + upTo + ", :");
        return new NDArray[] {keys[l].get(k.getManager(), seen), values[l].get(v.getManager(), seen)};
    }

    /**
     * A buffer with room for {@code positions}: the old one when it has it, else one twice as long with the cached
     * positions copied in. Written in place step by step: a cache grown by concatenation made a new copy of every
     * layer's keys and values at each token, and the freed copies, each a little shorter than the next, fragmented the
     * C heap (7.7 GB resident for 400 tokens after a 1,650-token prompt on the 6-layer reference model).
     */
    private NDArray room(NDArray buffer, NDArray like, int positions) {
        long capacity = buffer == null ? 0 : buffer.getShape().get(2);
        if (capacity >= positions) {
            return buffer;
        }
        Shape s = like.getShape();
        long grown = Math.max(positions, Math.max(64, 2 * capacity));
        NDArray out = like.getManager().zeros(new Shape(s.get(0), s.get(1), grown, s.get(3)), like.getDataType());
        if (buffer != null && length > 0) {
            out.set(new NDIndex(":, :, 0:" + length + ", :"), buffer.get(new NDIndex(":, :, 0:" + length + ", :")));
        }
        if (buffer != null) {
            buffer.close();
        }
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
