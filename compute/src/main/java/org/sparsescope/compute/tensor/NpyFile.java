package org.sparsescope.compute.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

/**
 * A numpy {@code .npy} file: header parsed on open, rows mapped on demand so dumps larger than memory stream.
 * The header is a Python dict literal; parsed by hand as numpy's format is tiny and fixed (NEP 1).
 */
public final class NpyFile implements AutoCloseable {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final Path path;
    private final FileChannel channel;
    private final DType dtype;
    private final long[] shape;
    private final long dataStart;

    private NpyFile(Path path, FileChannel channel, DType dtype, long[] shape, long dataStart) {
        this.path = path;
        this.channel = channel;
        this.dtype = dtype;
        this.shape = shape;
        this.dataStart = dataStart;
    }

    public static NpyFile open(Path path) throws IOException {
        FileChannel ch = MappedTensors.openRead(path);
        try {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate((int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(pre, 0);
            pre.flip();
            Header h = parsePreamble(path, pre, size, off -> {
                ByteBuffer hb = ByteBuffer.allocate(off[1]);
                ch.read(hb, off[0]);
                return new String(hb.array(), StandardCharsets.ISO_8859_1);
            });
            long need = Sizes.bytes(path, "the array", h.shape, h.dtype);
            if (size - h.dataStart < need) {
                throw new TensorFileException(
                        path,
                        "truncated: shape " + java.util.Arrays.toString(h.shape) + " of " + h.dtype + " needs " + need
                                + " data bytes, the file has " + (size - h.dataStart));
            }
            return new NpyFile(path, ch, h.dtype, h.shape, h.dataStart);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private record Header(DType dtype, long[] shape, long dataStart) {}

    private interface HeaderText {
        String read(int[] offsetAndLength) throws IOException;
    }

    private static Header parsePreamble(Path path, ByteBuffer pre, long size, HeaderText text) throws IOException {
        if (pre.remaining() < 10) {
            throw new TensorFileException(path, "truncated: " + size + " bytes is too short for a .npy header");
        }
        for (byte b : MAGIC) {
            if (pre.get() != b) {
                throw new TensorFileException(path, "not a .npy file (bad magic)");
            }
        }
        int major = pre.get();
        pre.get();
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = pre.getShort() & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (pre.remaining() < 4) {
                throw new TensorFileException(path, "truncated .npy header");
            }
            headerLen = pre.getInt();
            headerStart = 12;
        } else {
            throw new TensorFileException(path, "unsupported .npy format version " + major);
        }
        if (headerLen < 0 || headerLen > MAX_HEADER) {
            throw new TensorFileException(
                    path,
                    "header length " + Integer.toUnsignedString(headerLen) + " is implausibly large; not a .npy file");
        }
        if (headerStart + (long) headerLen > size) {
            throw new TensorFileException(
                    path, "header length " + headerLen + " runs past the end of the file (" + size + " bytes)");
        }
        String header = text.read(new int[] {headerStart, headerLen});
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new TensorFileException(path, "malformed .npy header: " + header.strip());
        }
        DType dtype = DType.fromNumpy(d.group(1))
                .orElseThrow(() -> new TensorFileException(
                        path,
                        "unsupported numpy dtype '" + d.group(1)
                                + "' (expected little-endian f8, f4, f2, i8, i4, i2, i1, u1 or b1)"));
        if (f.group(1).equals("True")) {
            throw new TensorFileException(
                    path, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
        }
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            if (!part.isBlank()) {
                try {
                    dims.add(Long.parseLong(part.strip().replace("L", "")));
                } catch (NumberFormatException e) {
                    throw new TensorFileException(path, "malformed shape in .npy header: (" + s.group(1) + ")");
                }
            }
        }
        return new Header(dtype, dims.stream().mapToLong(Long::longValue).toArray(), headerStart + (long) headerLen);
    }

    public Path path() {
        return path;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public Tensor read() throws IOException {
        return readRows(0, shape.length == 0 ? 1 : shape[0]);
    }

    public Tensor readRows(long start, long count) throws IOException {
        return MappedTensors.rows(channel, path, "the array", dtype, shape, dataStart, start, count);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** A whole .npy file. */
    public static Tensor read(Path path) throws IOException {
        try (NpyFile f = open(path)) {
            return f.read();
        }
    }

    /** An .npy header is at most a few kilobytes (numpy caps version 1 at 64 KiB). */
    private static final int MAX_HEADER = 1 << 16;

    /**
     * Every array of an .npz archive (stored or deflated), keyed by name without the .npy suffix. Each entry is
     * inflated no further than its header's shape × dtype says it holds.
     */
    public static Map<String, Tensor> readNpz(Path path) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (ZipArchive zip = ZipArchive.open(path)) {
            for (ZipEntry e : zip.entries()) {
                if (!e.getName().endsWith(".npy")) {
                    continue;
                }
                String entry = "entry '" + ZipArchive.printable(e.getName()) + "'";
                byte[] head = zip.readPrefix(e, 12 + MAX_HEADER, entry);
                ByteBuffer pre = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
                Header h;
                try {
                    h = parsePreamble(
                            path,
                            pre,
                            head.length,
                            off -> new String(head, off[0], off[1], StandardCharsets.ISO_8859_1));
                } catch (TensorFileException ex) {
                    throw new TensorFileException(
                            path,
                            entry + ": "
                                    + ex.getMessage().substring(path.toString().length() + 2),
                            ex);
                }
                long need = Sizes.bytes(path, entry, h.shape, h.dtype);
                byte[] bytes = zip.read(e, h.dataStart + need, entry);
                if (bytes.length - h.dataStart < need) {
                    throw new TensorFileException(
                            path,
                            entry + " is truncated: shape " + java.util.Arrays.toString(h.shape) + " needs " + need
                                    + " data bytes, it has " + (bytes.length - h.dataStart));
                }
                ByteBuffer data = ByteBuffer.wrap(bytes)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .position((int) h.dataStart)
                        .slice();
                out.put(e.getName().substring(0, e.getName().length() - 4), new Tensor(h.dtype, h.shape, data));
            }
        }
        return out;
    }
}
