package org.sparsescope.compute.tensor;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Element and byte counts of a shape a file states, checked exactly: a negative dimension, or a product that
 * overflows 63 bits (a shape of [2^62] over 0 bytes wraps to a small number otherwise), is a typed error naming the
 * file, found before anything is allocated.
 */
public final class Sizes {
    private Sizes() {}

    public static long elements(Path file, String what, long[] shape) throws TensorFileException {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new TensorFileException(
                        file, what + " has a negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, s);
            } catch (ArithmeticException e) {
                throw new TensorFileException(
                        file, what + ": shape " + Arrays.toString(shape) + " has more elements than any file can hold");
            }
        }
        return n;
    }

    public static long bytes(Path file, String what, long[] shape, DType dtype) throws TensorFileException {
        try {
            return Math.multiplyExact(elements(file, what, shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new TensorFileException(
                    file,
                    what + ": shape " + Arrays.toString(shape) + " of " + dtype
                            + " needs more bytes than any file can hold");
        }
    }
}
