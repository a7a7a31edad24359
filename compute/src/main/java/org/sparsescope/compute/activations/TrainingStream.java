package org.sparsescope.compute.activations;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.sparsescope.compute.tensor.Tensor;

/**
 * Shuffled training batches of an activation set: each epoch visits the training rows (all but the held-out
 * tail) exactly once, chunk by chunk in a random order, shuffled within each chunk, rows carried across chunk
 * boundaries so that every batch is full but the last. A fixed seed makes it reproducible. A background thread
 * reads the next chunk and gathers batches ahead of the consumer, so disk and compute overlap; memory holds about
 * one chunk plus a few batches whatever the set's size.
 */
public final class TrainingStream {
    private final ActivationSet set;
    private final long trainRows;
    private final int batchSize;
    private final long seed;

    /** A batch of rows in float32, row-major [rows, d]. */
    public record Batch(float[] values, int rows, int d) {
        /** On the engine's device, in {@code manager}. */
        public NDArray toNDArray(NDManager manager) {
            return manager.create(values, new Shape(rows, d));
        }
    }

    /**
     * @param heldOutRows rows at the end of the set kept out of training, for evaluation
     */
    public TrainingStream(ActivationSet set, long heldOutRows, int batchSize, long seed) {
        if (heldOutRows < 0 || heldOutRows >= set.rows()) {
            throw new IllegalArgumentException("held-out rows must be in [0, " + set.rows() + "), got " + heldOutRows);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive");
        }
        this.set = set;
        this.trainRows = set.rows() - heldOutRows;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** Held-out rows as a fraction of the set, rounded to whole rows. */
    public static long heldOutRows(ActivationSet set, double fraction) {
        return Math.round(set.rows() * fraction);
    }

    public long trainRows() {
        return trainRows;
    }

    public long heldOutRows() {
        return set.rows() - trainRows;
    }

    public int batchSize() {
        return batchSize;
    }

    public int d() {
        return set.d();
    }

    /** Batches per epoch (the last may be partial). */
    public long batchesPerEpoch() {
        return (trainRows + batchSize - 1) / batchSize;
    }

    /** The held-out rows, float32 [heldOutRows, d]. */
    public float[] heldOut() throws IOException {
        return set.readRows(trainRows, Math.toIntExact(heldOutRows()));
    }

    /** The batches of epoch {@code epoch}; close it to stop the reader early. */
    public Epoch epoch(int epoch) {
        return new Epoch(epoch);
    }

    public final class Epoch implements AutoCloseable {
        private static final Batch END = new Batch(new float[0], 0, 0);
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
        private final Thread reader;
        private volatile boolean closed;

        Epoch(int epoch) {
            Random rnd = new Random(seed * 1_000_003L + epoch);
            List<Integer> chunks = new ArrayList<>();
            for (int c = 0; c < set.chunkCount(); c++) {
                if (set.chunkFirstRow(c) < trainRows && set.chunkRows(c) > 0) {
                    chunks.add(c);
                }
            }
            Collections.shuffle(chunks, rnd);
            reader = new Thread(() -> produce(chunks, rnd), "training-stream");
            reader.setDaemon(true);
            reader.start();
        }

        private void produce(List<Integer> chunks, Random rnd) {
            int d = set.d();
            float[] batch = new float[batchSize * d];
            int filled = 0;
            try {
                for (int c : chunks) {
                    long first = set.chunkFirstRow(c);
                    int n = (int) Math.min(set.chunkRows(c), trainRows - first);
                    // rows are converted one at a time from the chunk as stored (mapped where the format allows):
                    // a whole chunk in float32 would be hundreds of megabytes allocated per chunk
                    Tensor rows = set.readChunkRows(c, 0, n);
                    int[] perm = permutation(n, rnd);
                    for (int i = 0; i < n; i++) {
                        rows.floatsInto((long) perm[i] * d, d, batch, filled * d);
                        if (++filled == batchSize) {
                            put(new Batch(batch, filled, d));
                            batch = new float[batchSize * d];
                            filled = 0;
                        }
                    }
                }
                if (filled > 0) {
                    put(new Batch(java.util.Arrays.copyOf(batch, filled * d), filled, d));
                }
                put(END);
            } catch (IOException e) {
                putQuietly(new UncheckedIOException(e));
            } catch (InterruptedException e) {
                // closed early
            } catch (RuntimeException e) {
                putQuietly(e);
            }
        }

        private void put(Object o) throws InterruptedException {
            if (!closed) {
                queue.put(o);
            }
        }

        private void putQuietly(Object o) {
            try {
                put(o);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }

        /** The next batch, or null when the epoch is over. */
        public Batch next() throws IOException {
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (o instanceof UncheckedIOException e) {
                throw e.getCause();
            }
            if (o instanceof RuntimeException e) {
                throw e;
            }
            if (o == END) {
                queue.offer(END);
                return null;
            }
            return (Batch) o;
        }

        @Override
        public void close() {
            closed = true;
            reader.interrupt();
            queue.clear();
        }
    }

    /** 0 … n−1 in a Fisher–Yates order drawn from {@code rnd}. */
    static int[] permutation(int n, Random rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
