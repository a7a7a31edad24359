package org.sparsescope.compute.stats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsescope.compute.dictionary.NonZeroCodes;

/**
 * Pass 1's non-zero codes, batch by batch from the first, kept for pass 2 so that it need not read and encode those
 * rows again: in memory up to a share of the heap, then in a temporary file up to a share of the free disk. The
 * batches kept are always a prefix; pass 2 re-encodes only those beyond it. The file goes when this closes.
 */
final class PassOneCodes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PassOneCodes.class);

    /** A kept batch: its codes in memory (null when on disk, or once taken) and its special-token marks (null: none known). */
    private record Kept(NonZeroCodes inMemory, int rows, int features, int entries, boolean[] special) {}

    private final long memoryBudget, diskBudget;
    private final Path dir;
    private final List<Kept> kept = new ArrayList<>();
    private long memoryBytes, diskBytes;
    private boolean full;
    private Path file;
    private FileChannel channel;
    private int nextToTake;
    private long readAt; // where the next batch on disk starts

    /** Up to {@code memoryBudget} bytes in memory, then up to {@code diskBudget} bytes in a file under {@code dir}. */
    PassOneCodes(long memoryBudget, long diskBudget, Path dir) {
        this.memoryBudget = memoryBudget;
        this.diskBudget = diskBudget;
        this.dir = dir;
    }

    /** What the pass may keep by default: an eighth of the heap (at most 1 GiB), then half the temp disk's free space (at most 64 GiB). */
    static PassOneCodes withDefaultBudgets() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long free;
        try {
            free = Files.getFileStore(tmp).getUsableSpace();
        } catch (IOException e) {
            LOG.warn("free space of {} unknown ({}); pass 2 keeps codes in memory only", tmp, e.getMessage());
            free = 0;
        }
        return new PassOneCodes(
                Math.min(Runtime.getRuntime().maxMemory() / 8, 1L << 30), Math.min(free / 2, 64L << 30), tmp);
    }

    /** Keeps the next batch if it fits; once one does not, no later one is kept. */
    void add(NonZeroCodes codes, boolean[] special) {
        if (full) {
            return;
        }
        long bytes = codes.bytes();
        if (diskBytes == 0 && memoryBytes + bytes <= memoryBudget) {
            kept.add(new Kept(codes, codes.rows(), codes.features(), codes.size(), special));
            memoryBytes += bytes;
            return;
        }
        if (diskBytes + bytes > diskBudget || !write(codes)) {
            full = true;
            return;
        }
        kept.add(new Kept(null, codes.rows(), codes.features(), codes.size(), special));
        diskBytes += bytes;
    }

    private boolean write(NonZeroCodes codes) {
        try {
            if (channel == null) {
                file = Files.createTempFile(dir, "sparsescope-pass1-", ".codes");
                file.toFile().deleteOnExit();
                channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            ByteBuffer b = ByteBuffer.allocateDirect((int) codes.bytes()).order(ByteOrder.nativeOrder());
            b.asIntBuffer().put(codes.row());
            b.position(4 * codes.size());
            b.asIntBuffer().put(codes.feature());
            b.position(8 * codes.size());
            b.asFloatBuffer().put(codes.value());
            b.position(0);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            return true;
        } catch (IOException e) {
            // a full disk, say: the batches already written stay usable, pass 2 encodes the rest again
            LOG.warn(
                    "pass 1's codes no longer spill to {} ({}); pass 2 encodes the later rows again",
                    file,
                    e.getMessage());
            try {
                if (channel != null) {
                    channel.truncate(diskBytes);
                }
            } catch (IOException again) {
                LOG.warn("could not truncate {}: {}", file, again.getMessage());
            }
            return false;
        }
    }

    /** How many batches are kept, from the first. */
    int batches() {
        return kept.size();
    }

    /** The special-token marks kept with batch {@code index}. */
    boolean[] special(int index) {
        return kept.get(index).special();
    }

    /** Kept batch {@code index}, taken in order (each once: memory is handed over as pass 2 goes). */
    NonZeroCodes take(int index) throws IOException {
        if (index != nextToTake) {
            throw new IllegalStateException("batches are taken in order: " + nextToTake + " next, not " + index);
        }
        nextToTake++;
        Kept k = kept.get(index);
        if (k.inMemory() != null) {
            kept.set(index, new Kept(null, k.rows(), k.features(), k.entries(), k.special()));
            return k.inMemory();
        }
        return read(k);
    }

    private NonZeroCodes read(Kept k) throws IOException {
        try {
            int e = k.entries();
            ByteBuffer b = ByteBuffer.allocateDirect(12 * e).order(ByteOrder.nativeOrder());
            while (b.hasRemaining()) {
                if (channel.read(b, readAt + b.position()) < 0) {
                    throw new IOException("ends before the batch it holds");
                }
            }
            readAt += 12L * e;
            int[] row = new int[e], feature = new int[e];
            float[] value = new float[e];
            b.position(0);
            b.asIntBuffer().get(row);
            b.position(4 * e);
            b.asIntBuffer().get(feature);
            b.position(8 * e);
            b.asFloatBuffer().get(value);
            return new NonZeroCodes(k.rows(), k.features(), row, feature, value);
        } catch (IOException e) {
            throw new IOException(file + ": reading pass 1's codes back: " + e.getMessage(), e);
        }
    }

    /** Bytes kept in memory and on disk. */
    long memoryBytes() {
        return memoryBytes;
    }

    long diskBytes() {
        return diskBytes;
    }

    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", file, e.getMessage());
        }
    }
}
