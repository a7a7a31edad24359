package org.sparsescope.compute.handoff;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.tensor.AtomicFile;

/**
 * Writes a {@code datasets} directory ({@link HfDataset}) example batch by example batch, so a set larger than
 * memory streams through: each batch becomes one Arrow record batch of the shard it falls in. Everything is written
 * into a hidden sibling folder and moved into place by {@link #commit()}; closing without a commit leaves nothing.
 */
public final class HfDatasetWriter implements AutoCloseable {
    private final Path dir;
    private final Path temp;
    private final List<HfDataset.Feature> columns;
    private final long examples;
    private final int shards;
    private final Schema schema;
    private final BufferAllocator allocator = new RootAllocator();
    private final long[] shardStart; // first example of each shard, and the total at the end

    private int shard = -1;
    private long written;
    private FileChannel channel;
    private VectorSchemaRoot root;
    private ArrowStreamWriter writer;
    private boolean committed;

    /**
     * Refuses a {@code dir} that exists and is not empty: an export never overwrites what the user has. The number of
     * shards follows {@code datasets}' rule (no shard above 500 MB), so the file names are known from the start.
     */
    public HfDatasetWriter(Path dir, List<HfDataset.Feature> columns, long examples) throws IOException {
        if (examples <= 0) {
            throw new IllegalArgumentException("a dataset of " + examples + " examples");
        }
        if (Files.exists(dir) && !isEmptyFolder(dir)) {
            throw new InvalidInputException(dir, "exists and is not empty; choose a new folder");
        }
        this.dir = dir;
        this.columns = List.copyOf(columns);
        this.examples = examples;
        long bytes = examples
                * columns.stream().mapToLong(HfDataset.Feature::bytesPerExample).sum();
        this.shards = (int)
                Math.max(1, Math.min(examples, (bytes + HfDataset.MAX_SHARD_BYTES - 1) / HfDataset.MAX_SHARD_BYTES));
        // datasets' shard(num_shards, index, contiguous=True): the first (examples mod shards) shards hold one more
        this.shardStart = new long[shards + 1];
        long div = examples / shards, mod = examples % shards;
        for (int i = 0; i < shards; i++) {
            shardStart[i + 1] = shardStart[i] + div + (i < mod ? 1 : 0);
        }
        this.schema = schemaOf(this.columns);
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        this.temp = parent.resolve("." + dir.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.createDirectories(temp);
    }

    private static boolean isEmptyFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** The Arrow schema {@code datasets} writes for these features. */
    static Schema schemaOf(List<HfDataset.Feature> columns) {
        List<Field> fields = new ArrayList<>();
        for (HfDataset.Feature f : columns) {
            fields.add(fieldOf(f));
        }
        return new Schema(fields, Map.of(HfDataset.SCHEMA_METADATA_KEY, HfDataset.schemaMetadata(columns)));
    }

    private static Field fieldOf(HfDataset.Feature f) {
        if (f instanceof HfDataset.Array2D a) {
            ArrowType value = new ArrowType.FloatingPoint(
                    a.dtype().equals("float16") ? FloatingPointPrecision.HALF : FloatingPointPrecision.SINGLE);
            // pa.list_(pa.list_(value)): variable-length lists, as _ArrayXDExtensionType._generate_dtype makes them
            Field item = new Field("item", FieldType.nullable(value), null);
            Field inner = new Field("item", FieldType.nullable(ArrowType.List.INSTANCE), List.of(item));
            java.util.LinkedHashMap<String, String> meta = new java.util.LinkedHashMap<>();
            meta.put(HfDataset.EXTENSION_METADATA, a.extensionMetadata());
            meta.put(HfDataset.EXTENSION_NAME, HfDataset.ARRAY2D_EXTENSION);
            return new Field(a.name(), new FieldType(true, ArrowType.List.INSTANCE, null, meta), List.of(inner));
        }
        HfDataset.IntSequence s = (HfDataset.IntSequence) f;
        Field item = new Field("item", FieldType.nullable(new ArrowType.Int(32, true)), null);
        return new Field(s.name(), FieldType.nullable(new ArrowType.FixedSizeList(s.length())), List.of(item));
    }

    /** How many Arrow files the directory will hold. */
    public int shards() {
        return shards;
    }

    /** Examples written so far. */
    public long written() {
        return written;
    }

    /**
     * Appends {@code n} examples: for each column, its values for those examples as little-endian bytes (float32,
     * float16 or int32), example after example. A batch that crosses a shard boundary is split there.
     */
    public void write(int n, Map<String, ByteBuffer> values) throws IOException {
        if (written + n > examples) {
            throw new IllegalStateException("writing past the " + examples + " examples announced");
        }
        int done = 0;
        while (done < n) {
            int s = shardOf(written);
            if (s != shard) {
                openShard(s);
            }
            int take = (int) Math.min(n - done, shardStart[s + 1] - written);
            writeBatch(done, take, values);
            done += take;
            written += take;
        }
    }

    private int shardOf(long example) {
        int s = 0;
        while (shardStart[s + 1] <= example) {
            s++;
        }
        return s;
    }

    private void openShard(int s) throws IOException {
        closeShard();
        shard = s;
        channel = FileChannel.open(
                temp.resolve(HfDataset.shardName(s, shards)), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        root = VectorSchemaRoot.create(schema, allocator);
        writer = new ArrowStreamWriter(root, null, channel);
        writer.start();
    }

    private void closeShard() throws IOException {
        if (writer != null) {
            writer.end();
            writer.close();
            root.close();
            channel.close();
            writer = null;
            root = null;
            channel = null;
        }
    }

    /** Examples [from, from + n) of the batch, as one record batch: list offsets regular, values copied in bulk. */
    private void writeBatch(int from, int n, Map<String, ByteBuffer> values) throws IOException {
        root.clear();
        for (HfDataset.Feature f : columns) {
            ByteBuffer all = values.get(f.name());
            if (all == null) {
                throw new IllegalArgumentException("no values for column " + f.name());
            }
            long per = f.bytesPerExample();
            ByteBuffer mine = all.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            mine.position(Math.toIntExact(from * per)).limit(Math.toIntExact((from + n) * per));
            if (f instanceof HfDataset.Array2D a) {
                ListVector outer = (ListVector) root.getVector(f.name());
                ListVector inner = (ListVector) outer.getDataVector();
                BaseFixedWidthVector leaf = (BaseFixedWidthVector) inner.getDataVector();
                // top down: allocating a list allocates (and so clears) what it holds
                fillOffsets(outer, n, a.rows());
                fillOffsets(inner, n * a.rows(), a.cols());
                fillLeaf(leaf, n * a.rows() * a.cols(), mine);
                outer.setValueCount(n); // and so the inner lists' and the values' counts
            } else {
                HfDataset.IntSequence s = (HfDataset.IntSequence) f;
                FixedSizeListVector list = (FixedSizeListVector) root.getVector(f.name());
                list.allocateNew();
                BaseFixedWidthVector leaf = (BaseFixedWidthVector) list.getDataVector();
                for (int i = 0; i < n; i++) {
                    list.setNotNull(i);
                }
                fillLeaf(leaf, n * s.length(), mine);
                list.setValueCount(n);
            }
        }
        root.setRowCount(n);
        writer.writeBatch();
    }

    /** {@code count} lists of {@code each} elements: offsets 0, each, 2·each, …, none null. */
    private static void fillOffsets(ListVector v, int count, int each) {
        v.allocateNew();
        for (int i = 0; i < count; i++) {
            v.startNewValue(i);
            v.endValue(i, each);
        }
    }

    /** {@code count} non-null values copied from little-endian bytes. */
    private static void fillLeaf(BaseFixedWidthVector leaf, int count, ByteBuffer bytes) {
        leaf.allocateNew(count);
        ArrowBuf data = leaf.getDataBuffer();
        data.setBytes(0, bytes);
        ArrowBuf validity = leaf.getValidityBuffer();
        validity.setOne(0, (count + 7) / 8);
        leaf.setValueCount(count);
    }

    /** Closes the last shard, writes dataset_info.json and state.json, and moves the folder into place. */
    public void commit(String fingerprint) throws IOException {
        if (written != examples) {
            throw new IllegalStateException(written + " of the " + examples + " examples announced were written");
        }
        closeShard();
        AtomicFile.writeString(temp.resolve(HfDataset.INFO_FILE), HfDataset.datasetInfo(columns));
        AtomicFile.writeString(temp.resolve(HfDataset.STATE_FILE), HfDataset.state(shards, fingerprint));
        if (Files.isDirectory(dir)) {
            Files.delete(dir); // empty: checked at the start
        }
        Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    @Override
    public void close() throws IOException {
        try {
            closeShard();
        } finally {
            allocator.close();
            if (!committed) {
                AtomicFile.deleteTree(temp);
            }
        }
    }
}
