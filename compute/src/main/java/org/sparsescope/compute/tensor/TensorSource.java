package org.sparsescope.compute.tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** Named tensors readable one at a time (a safetensors file, a sharded checkpoint). */
public interface TensorSource extends AutoCloseable {
    /** Where the tensors come from, for messages. */
    Path location();

    Set<String> names();

    Optional<TensorInfo> info(String name);

    Tensor read(String name) throws IOException;

    @Override
    void close() throws IOException;
}
