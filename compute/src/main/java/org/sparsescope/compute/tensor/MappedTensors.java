package org.sparsescope.compute.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/** What the memory-mapped readers (safetensors, npy) share: opening with a named error, and mapping row slices. */
final class MappedTensors {
    private MappedTensors() {}

    static FileChannel openRead(Path path) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new TensorFileException(path, "file not found");
        }
    }

    /**
     * Rows [start, start+count) of a row-major tensor whose bytes begin at {@code tensorStart} in the file,
     * mapped without reading the rest. A scalar (rank 0) is read whole with start 0, count 1.
     */
    static Tensor rows(
            FileChannel channel,
            Path path,
            String what,
            DType dtype,
            long[] shape,
            long tensorStart,
            long start,
            long count)
            throws IOException {
        long[] s = shape.clone();
        long rowBytes = dtype.byteSize();
        if (shape.length > 0) {
            if (start < 0 || count < 0 || start + count > shape[0]) {
                throw new IllegalArgumentException(path + ": rows [" + start + ", " + (start + count) + ") outside "
                        + what + " of shape " + Arrays.toString(shape));
            }
            rowBytes = Tensor.numel(shape) / Math.max(1, shape[0]) * dtype.byteSize();
            s[0] = count;
        }
        long length = count * rowBytes;
        if (length > Integer.MAX_VALUE) {
            throw new TensorFileException(
                    path, what + ": a slice of " + length + " bytes exceeds 2 GiB; read it by rows");
        }
        ByteBuffer b = length == 0
                ? ByteBuffer.allocate(0)
                : channel.map(FileChannel.MapMode.READ_ONLY, tensorStart + start * rowBytes, length);
        return new Tensor(dtype, s, b.order(ByteOrder.LITTLE_ENDIAN));
    }
}
