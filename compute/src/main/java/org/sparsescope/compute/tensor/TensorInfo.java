package org.sparsescope.compute.tensor;

import java.util.Arrays;

/** Where one tensor lies in a file: its type, shape, and byte range within the file's data section. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        return Tensor.numel(shape);
    }

    /** Elements in one row (everything after the first dimension). */
    public long rowElements() {
        return shape.length == 0 ? 1 : numel() / Math.max(1, shape[0]);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
