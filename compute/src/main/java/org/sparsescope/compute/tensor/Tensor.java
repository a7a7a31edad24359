package org.sparsescope.compute.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor held in Java memory (heap or a mapped file region): element type, shape, and its bytes, little-endian,
 * row-major. The value type that crosses layers; DJL arrays are made from it only inside {@code compute}.
 */
public record Tensor(DType dtype, long[] shape, ByteBuffer data) {

    public Tensor {
        shape = shape.clone();
        data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long expected = numel(shape) * dtype.byteSize();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of " + dtype + " " + Arrays.toString(shape) + " needs "
                    + expected + " bytes, got " + data.remaining());
        }
    }

    public static Tensor ofFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new Tensor(DType.F32, shape, b);
    }

    public static Tensor ofLongs(long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new Tensor(DType.I64, shape, b);
    }

    public static Tensor ofDoubles(long[] shape, double[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        return new Tensor(DType.F64, shape, b);
    }

    /** Float64 values (other floating types widened). */
    public double[] doubles() {
        if (dtype == DType.F64) {
            double[] out = new double[Math.toIntExact(numel())];
            data().asDoubleBuffer().get(out);
            return out;
        }
        float[] f = floats();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** Float32 values rounded to half precision (IEEE binary16), as activation chunks store them. */
    public static Tensor ofHalves(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Half.fromFloat(v));
        }
        return new Tensor(DType.F16, shape, b.flip());
    }

    /** This tensor with its bytes in a heap array: no longer tied to a mapped file. */
    public Tensor onHeap() {
        if (!data.isDirect()) {
            return this;
        }
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data.duplicate()).flip();
        return new Tensor(dtype, shape, copy);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        return numel(shape);
    }

    public int rank() {
        return shape.length;
    }

    /** The bytes, read-only, from position 0. */
    @Override
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Every element widened or converted to float. */
    public float[] floats() {
        float[] out = new float[Math.toIntExact(numel())];
        floatsInto(0, out.length, out, 0);
        return out;
    }

    /**
     * Elements [first, first + count) widened or converted to float into {@code out} from {@code offset}: a row of
     * a matrix without converting the rest.
     */
    public void floatsInto(long first, int count, float[] out, int offset) {
        if (first < 0 || first + count > numel()) {
            throw new IndexOutOfBoundsException("elements [" + first + ", " + (first + count) + ") of " + numel());
        }
        ByteBuffer b = data();
        int f = Math.toIntExact(first);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(f, out, offset, count);
            case F64 -> {
                for (int i = 0; i < count; i++) out[offset + i] = (float) b.getDouble((f + i) * 8);
            }
            case F16 -> Half.toFloats(b.asShortBuffer(), f, count, out, offset);
            case BF16 -> {
                for (int i = 0; i < count; i++)
                    out[offset + i] = Float.intBitsToFloat(bf16Bits(b.getShort((f + i) * 2)));
            }
            case I64 -> {
                for (int i = 0; i < count; i++) out[offset + i] = b.getLong((f + i) * 8);
            }
            case I32 -> {
                for (int i = 0; i < count; i++) out[offset + i] = b.getInt((f + i) * 4);
            }
            case I16 -> {
                for (int i = 0; i < count; i++) out[offset + i] = b.getShort((f + i) * 2);
            }
            case I8 -> {
                for (int i = 0; i < count; i++) out[offset + i] = b.get(f + i);
            }
            case U8, BOOL -> {
                for (int i = 0; i < count; i++) out[offset + i] = b.get(f + i) & 0xFF;
            }
        }
    }

    /** Integer elements as long; floats are refused rather than truncated. */
    public long[] longs() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = data();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> {
                for (int i = 0; i < n; i++) out[i] = b.getInt(i * 4);
            }
            case I16 -> {
                for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2);
            }
            case I8 -> {
                for (int i = 0; i < n; i++) out[i] = b.get(i);
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xFF;
            }
            default -> throw new IllegalStateException("tensor of " + dtype + " has no integer values");
        }
        return out;
    }

    /** An engine array in the engine's type for this dtype (BF16 and I16 widened in Java first). */
    public NDArray toNDArray(NDManager manager) {
        Shape s = new Shape(shape);
        return switch (dtype) {
            case BF16 ->
                numel() * 4 <= Integer.MAX_VALUE
                        ? manager.create(widenedBf16(), s, DataType.FLOAT32)
                        : manager.create(floats(), s);
            case I16 -> {
                long[] v = longs();
                int[] w = new int[v.length];
                for (int i = 0; i < v.length; i++) w[i] = (int) v[i];
                yield manager.create(w, s);
            }
            default -> manager.create(engineCopy(), s, dtype.engineType());
        };
    }

    /** The float32 bits of a bf16 value: its 16 bits are the top half of the float32's. */
    private static int bf16Bits(short bf16) {
        return (bf16 & 0xFFFF) << 16;
    }

    /**
     * BF16 widened to float32 straight into a direct buffer for the engine (a bf16 value is the top half of its
     * float32): no float[] on the Java heap, which a model's load would otherwise leave behind by the gigabyte.
     */
    private ByteBuffer widenedBf16() {
        java.nio.ShortBuffer in = data().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int n = in.remaining();
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        java.nio.IntBuffer o = out.asIntBuffer();
        for (int i = 0; i < n; i++) {
            o.put(i, bf16Bits(in.get(i)));
        }
        return out;
    }

    /**
     * This tensor's values as float32 in a new direct buffer (numel × 4 bytes, under 2 GiB), for a caller that copies
     * them into engine memory and then frees the buffer at once ({@link DirectBuffers#free}).
     */
    public ByteBuffer float32Buffer() {
        if (dtype == DType.BF16) {
            return widenedBf16();
        }
        if (dtype == DType.F32) {
            return engineCopy();
        }
        float[] v = floats();
        ByteBuffer out = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(v);
        return out;
    }

    /** An engine array in float32, whatever the file held. */
    public NDArray toFloat32(NDManager manager) {
        NDArray a = toNDArray(manager);
        if (a.getDataType() == DataType.FLOAT32) {
            return a;
        }
        NDArray f = a.toType(DataType.FLOAT32, false);
        a.close();
        return f;
    }

    /**
     * The bytes in a new direct buffer of the engine's own. Always a copy: the engine takes a direct buffer without
     * copying, and a buffer mapped from a file would then die with SIGBUS (killing the JVM) when another program
     * rewrites that file in place while the array lives.
     */
    private ByteBuffer engineCopy() {
        ByteBuffer b = data();
        ByteBuffer d = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        d.put(b).flip();
        return d;
    }

    /** The same bytes under a new shape of the same element count. */
    public Tensor reshape(long... newShape) {
        return new Tensor(dtype, newShape, data);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && t.dtype == dtype
                && Arrays.equals(t.shape, shape)
                && t.data().equals(data());
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + data().hashCode();
    }
}
