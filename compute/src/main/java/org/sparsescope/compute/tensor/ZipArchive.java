package org.sparsescope.compute.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A zip archive (torch.save files, .npz) read with every claim checked: an entry's stated size against the bytes it
 * really has in the file, and inflation stopped as soon as it passes what the entry may legitimately hold, so that a
 * deflate bomb or a zip64 entry claiming a terabyte costs no more than the file's real size. The JDK's zip errors
 * (checked and unchecked) become typed errors naming the archive.
 */
final class ZipArchive implements AutoCloseable {
    /** Deflate cannot shrink data more than about 1032:1; a stated size beyond that is a lie. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private final Path path;
    private final ZipFile zip;
    private final long fileSize;

    private ZipArchive(Path path, ZipFile zip, long fileSize) {
        this.path = path;
        this.zip = zip;
        this.fileSize = fileSize;
    }

    static ZipArchive open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new TensorFileException(path, "file not found");
        }
        try {
            return new ZipArchive(path, new ZipFile(path.toFile()), Files.size(path));
        } catch (IOException | RuntimeException e) {
            // ZipException, and EOFException for an archive whose directory runs past the end
            throw new TensorFileException(
                    path, "not a readable zip archive (truncated or corrupt): " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    /** Every entry, in the archive's order. */
    List<ZipEntry> entries() throws TensorFileException {
        try {
            return new ArrayList<>(Collections.list(zip.entries()));
        } catch (RuntimeException e) {
            throw new TensorFileException(path, "corrupt zip directory: " + e.getMessage(), e);
        }
    }

    ZipEntry entry(String name) throws TensorFileException {
        try {
            return zip.getEntry(name);
        } catch (RuntimeException e) {
            throw new TensorFileException(path, "corrupt zip directory: " + e.getMessage(), e);
        }
    }

    /** An entry's name as it may be shown: control characters (a NUL, say) escaped. */
    static String printable(String name) {
        StringBuilder b = new StringBuilder();
        name.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    /**
     * The size an entry states for its contents, checked against its compressed size and the archive's length:
     * a stored entry holds exactly its compressed bytes, a deflated one at most {@link #MAX_DEFLATE_RATIO} times them.
     * -1 when the archive does not state it.
     */
    long statedSize(ZipEntry e) throws TensorFileException {
        long size = e.getSize();
        long compressed = e.getCompressedSize();
        if (compressed > fileSize) {
            throw new TensorFileException(
                    path,
                    "entry '" + printable(e.getName()) + "' claims " + compressed
                            + " compressed bytes, more than the whole archive (" + fileSize + " bytes)");
        }
        if (size < 0) {
            return -1;
        }
        long limit = e.getMethod() == ZipEntry.STORED
                ? (compressed >= 0 ? compressed : fileSize)
                : compressed >= 0
                        ? multiplySaturated(compressed, MAX_DEFLATE_RATIO) + 1024
                        : multiplySaturated(fileSize, MAX_DEFLATE_RATIO);
        if (size > limit) {
            throw new TensorFileException(
                    path,
                    "entry '" + printable(e.getName()) + "' claims " + size + " bytes, more than its "
                            + (compressed >= 0 ? compressed : fileSize) + " bytes in the archive can hold");
        }
        return size;
    }

    private static long multiplySaturated(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        return hi != 0 ? Long.MAX_VALUE : a * b < 0 ? Long.MAX_VALUE : a * b;
    }

    /**
     * An entry's contents, of at most {@code maxBytes}: inflation stops, with a typed error, one byte past that; the
     * buffer grows with the bytes really read, so a false stated size allocates nothing.
     */
    byte[] read(ZipEntry e, long maxBytes, String what) throws TensorFileException {
        long stated = statedSize(e);
        if (stated > maxBytes) {
            throw new TensorFileException(
                    path,
                    what + " ('" + printable(e.getName()) + "') claims " + stated + " bytes, more than the " + maxBytes
                            + " it may hold");
        }
        if (maxBytes > Integer.MAX_VALUE - 16) {
            maxBytes = Integer.MAX_VALUE - 16;
        }
        byte[] buf = new byte[(int) Math.min(maxBytes + 1, Math.max(stated, 0) + 1)];
        int n = 0;
        try (InputStream in = zip.getInputStream(e)) {
            while (true) {
                if (n == buf.length) {
                    if (n > maxBytes) {
                        throw new TensorFileException(
                                path,
                                what + " ('" + printable(e.getName()) + "') inflates to more than the " + maxBytes
                                        + " bytes it may hold (a zip bomb or a corrupt entry)");
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min(maxBytes + 1, Math.max(1024, (long) n * 2)));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException | RuntimeException ex) {
            throw new TensorFileException(
                    path, what + " ('" + printable(e.getName()) + "') is truncated or corrupt: " + ex.getMessage(), ex);
        }
        if (n > maxBytes) {
            throw new TensorFileException(
                    path,
                    what + " ('" + printable(e.getName()) + "') inflates to more than the " + maxBytes
                            + " bytes it may hold (a zip bomb or a corrupt entry)");
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    /** The first bytes of an entry (at most {@code maxBytes}; fewer when it is shorter), inflating no further. */
    byte[] readPrefix(ZipEntry e, int maxBytes, String what) throws TensorFileException {
        statedSize(e);
        try (InputStream in = zip.getInputStream(e)) {
            return in.readNBytes(maxBytes);
        } catch (IOException | RuntimeException ex) {
            throw new TensorFileException(path, what + " is truncated or corrupt: " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
