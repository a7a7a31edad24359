package org.sparsescope.compute.tensor;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;
import java.util.Optional;

/** Element types found in tensor files, with their safetensors and numpy spellings. */
public enum DType {
    F64(8, "F64", "f8", DataType.FLOAT64),
    F32(4, "F32", "f4", DataType.FLOAT32),
    F16(2, "F16", "f2", DataType.FLOAT16),
    /** The PyTorch engine aborts the JVM on BF16 arrays, so it is widened to F32 in Java before reaching DJL. */
    BF16(2, "BF16", null, DataType.FLOAT32),
    I64(8, "I64", "i8", DataType.INT64),
    I32(4, "I32", "i4", DataType.INT32),
    /** INT16 arrays also abort the PyTorch engine; widened to I32. */
    I16(2, "I16", "i2", DataType.INT32),
    I8(1, "I8", "i1", DataType.INT8),
    U8(1, "U8", "u1", DataType.UINT8),
    BOOL(1, "BOOL", "b1", DataType.BOOLEAN);

    private final int byteSize;
    private final String safetensorsName;
    private final String numpyCode;
    private final DataType engineType;

    DType(int byteSize, String safetensorsName, String numpyCode, DataType engineType) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.numpyCode = numpyCode;
        this.engineType = engineType;
    }

    /** Whether the values are whole numbers (ids, counts, positions), not floating point. */
    public boolean isInteger() {
        return switch (this) {
            case I64, I32, I16, I8, U8, BOOL -> true;
            default -> false;
        };
    }

    public int byteSize() {
        return byteSize;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    /** The type the engine holds this as; differs from the file's type where the engine cannot hold it. */
    public DataType engineType() {
        return engineType;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    public static Optional<DType> fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** From a numpy descr such as {@code <f2}, {@code |u1}; only little-endian or byte-order-free types. */
    public static Optional<DType> fromNumpy(String descr) {
        if (descr.length() != 3 || descr.charAt(0) == '>') {
            return Optional.empty();
        }
        String code = descr.substring(1).toLowerCase(Locale.ROOT);
        for (DType t : values()) {
            if (code.equals(t.numpyCode)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The safetensors dtype of a PyTorch storage class such as {@code HalfStorage}. */
    public static Optional<DType> fromTorchStorage(String storageClass) {
        return Optional.ofNullable(
                switch (storageClass) {
                    case "DoubleStorage" -> F64;
                    case "FloatStorage" -> F32;
                    case "HalfStorage" -> F16;
                    case "BFloat16Storage" -> BF16;
                    case "LongStorage" -> I64;
                    case "IntStorage" -> I32;
                    case "ShortStorage" -> I16;
                    case "CharStorage" -> I8;
                    case "ByteStorage" -> U8;
                    case "BoolStorage" -> BOOL;
                    default -> null;
                });
    }
}
