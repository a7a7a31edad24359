package org.sparsescope.compute.tensor;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Frees a direct buffer at once. A model's weights pass through direct buffers on their way into the engine; left to
 * the garbage collector, gigabytes of them would count against -XX:MaxDirectMemorySize (the heap's size by default)
 * and stay resident until a collection, so a 2B model could not load. sun.misc.Unsafe#invokeCleaner is the JDK's
 * supported way (jdk.unsupported) to release one the program knows is no longer used.
 */
public final class DirectBuffers {
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private DirectBuffers() {}

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(DirectBuffers.class)
                    .warn("direct buffers will be freed by the garbage collector: {}", e.toString());
            return null;
        }
    }

    /** Releases {@code buffer}'s memory; it must not be used again, nor be a slice or a mapped file. */
    public static void free(ByteBuffer buffer) {
        if (UNSAFE != null && buffer.isDirect()) {
            UNSAFE.invokeCleaner(buffer);
        }
    }
}
