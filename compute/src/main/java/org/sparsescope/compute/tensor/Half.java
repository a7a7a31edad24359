package org.sparsescope.compute.tensor;

/**
 * IEEE 754 binary16 conversions. Written by hand because Java 17 lacks Float.float16ToFloat (Java 20) and
 * chunks are converted element by element outside the engine; round-to-nearest-even as numpy and PyTorch do.
 */
public final class Half {
    private Half() {}

    /** Every binary16 value as float, indexed by its bits: a lookup is several times faster than decoding. */
    private static final float[] FLOATS = new float[1 << 16];

    static {
        for (int h = 0; h < FLOATS.length; h++) {
            FLOATS[h] = toFloat((short) h);
        }
    }

    /** Halves [from, from + count) of {@code in} as floats into {@code out} from {@code offset}. */
    public static void toFloats(java.nio.ShortBuffer in, int from, int count, float[] out, int offset) {
        for (int i = 0; i < count; i++) {
            out[offset + i] = FLOATS[in.get(from + i) & 0xFFFF];
        }
    }

    public static float toFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: value = mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // may carry into the exponent, which is the correct rounding up to the next binade or infinity
        }
        return (short) (sign | half);
    }
}
