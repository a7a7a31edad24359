package org.sparsescope.compute.tensor;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of a Hugging Face model folder: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}. Tensors are read one at a time, mapped from their shard.
 */
public final class Checkpoint implements TensorSource {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, SafetensorsFile> shardOf;
    private final Map<Path, SafetensorsFile> shards;

    private Checkpoint(Path dir, Map<String, SafetensorsFile> shardOf, Map<Path, SafetensorsFile> shards) {
        this.dir = dir;
        this.shardOf = shardOf;
        this.shards = shards;
    }

    public static Checkpoint open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        Path single = dir.resolve(SINGLE);
        Map<Path, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> shardOf = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(index)) {
                org.sparsescope.compute.JsonInput in =
                        org.sparsescope.compute.JsonInput.of(index, TensorFileException::new);
                JsonObject weightMap = in.object(in.readObject(), "weight_map");
                if (weightMap.isEmpty()) {
                    throw new TensorFileException(index, "has no \"weight_map\" object naming each tensor's shard");
                }
                for (Map.Entry<String, JsonElement> e : weightMap.entrySet()) {
                    String shardName = in.str(weightMap, e.getKey(), null);
                    if (shardName == null || shardName.indexOf('\0') >= 0) {
                        throw new TensorFileException(
                                index, "\"weight_map." + e.getKey() + "\" should name a shard file");
                    }
                    Path shard;
                    try {
                        shard = dir.resolve(shardName).normalize();
                    } catch (java.nio.file.InvalidPathException ex) {
                        throw new TensorFileException(index, "shard '" + shardName + "' is not a file name");
                    }
                    if (!shard.startsWith(dir.normalize())) {
                        throw new TensorFileException(index, "shard '" + shardName + "' lies outside the model folder");
                    }
                    if (!Files.isRegularFile(shard)) {
                        throw new TensorFileException(
                                index,
                                "names shard '" + shard.getFileName() + "' for tensor '" + e.getKey()
                                        + "', which is missing");
                    }
                    SafetensorsFile f = shards.get(shard);
                    if (f == null) {
                        f = SafetensorsFile.open(shard);
                        shards.put(shard, f);
                    }
                    if (f.info(e.getKey()).isEmpty()) {
                        throw new TensorFileException(
                                shard, "index names tensor '" + e.getKey() + "' in this shard, but it is not there");
                    }
                    shardOf.put(e.getKey(), f);
                }
            } else if (Files.isRegularFile(single)) {
                SafetensorsFile f = SafetensorsFile.open(single);
                shards.put(single, f);
                f.names().forEach(n -> shardOf.put(n, f));
            } else {
                throw new TensorFileException(
                        dir, "no " + SINGLE + " or " + INDEX + " (only safetensors checkpoints are read)");
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : shards.values()) {
                f.close();
            }
            throw e;
        }
        return new Checkpoint(dir, Collections.unmodifiableMap(shardOf), shards);
    }

    @Override
    public Path location() {
        return dir;
    }

    @Override
    public Set<String> names() {
        return shardOf.keySet();
    }

    @Override
    public Optional<TensorInfo> info(String name) {
        SafetensorsFile f = shardOf.get(name);
        return f == null ? Optional.empty() : f.info(name);
    }

    @Override
    public Tensor read(String name) throws IOException {
        SafetensorsFile f = shardOf.get(name);
        if (f == null) {
            throw new TensorFileException(dir, "checkpoint has no tensor named '" + name + "'");
        }
        return f.read(name);
    }

    /** Rows start … start + count − 1 of a tensor (its first dimension), mapped from its shard alone. */
    public Tensor readRows(String name, long start, long count) throws IOException {
        SafetensorsFile f = shardOf.get(name);
        if (f == null) {
            throw new TensorFileException(dir, "checkpoint has no tensor named '" + name + "'");
        }
        return f.readRows(name, start, count);
    }

    /** Every shard file, for hashing the weights' content. */
    public Set<Path> files() {
        return shards.keySet();
    }

    @Override
    public void close() throws IOException {
        for (SafetensorsFile f : shards.values()) {
            f.close();
        }
    }
}
