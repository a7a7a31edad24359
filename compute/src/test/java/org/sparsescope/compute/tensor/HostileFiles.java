package org.sparsescope.compute.tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Hostile tensor files, written byte by byte: each failure class the reliability issue found, as a regression
 * input. The pickles are assembled from opcodes here (not by Python), so the test says exactly what each file is.
 */
public final class HostileFiles {
    private HostileFiles() {}

    /** A pickle, opcode by opcode. */
    public static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Pickle() {
            op(0x80, 2); // PROTO 2
        }

        public Pickle op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        public Pickle text(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        public Pickle global(String module, String name) {
            return op('c').text(module + "\n" + name + "\n");
        }

        public Pickle unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length)
                    .array());
            out.writeBytes(b);
            return this;
        }

        public Pickle integer(long v) {
            op(0x8a, 8); // LONG1 of 8 bytes
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
            return this;
        }

        /** (a, b, …) of integers, or of None where a value is null. */
        public Pickle tuple(Long... values) {
            op('(');
            for (Long v : values) {
                if (v == null) {
                    op('N');
                } else {
                    integer(v);
                }
            }
            return op('t');
        }

        /** _rebuild_tensor_v2(storage 'key' of numel elements, offset, size, stride, False, OrderedDict()). */
        public Pickle tensor(String storageClass, String key, long numel, long offset, Long[] size, Long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").op('(');
            op('(').unicode("storage")
                    .global("torch", storageClass)
                    .unicode(key)
                    .unicode("cpu")
                    .integer(numel)
                    .op('t', 'Q');
            integer(offset).tuple(size).tuple(stride).op(0x89);
            global("collections", "OrderedDict").op(')', 'R');
            return op('t', 'R');
        }

        public byte[] bytes() {
            return out.toByteArray();
        }

        public byte[] stop() {
            return op('.').bytes();
        }
    }

    /** A torch.save-style zip: archive/data.pkl and the given storages under archive/data/. */
    public static Path torchZip(Path file, byte[] pickle, Map<String, byte[]> storages, boolean deflate)
            throws IOException {
        try (OutputStream o = Files.newOutputStream(file);
                ZipOutputStream z = new ZipOutputStream(o)) {
            put(z, "archive/data.pkl", pickle, deflate);
            for (Map.Entry<String, byte[]> e : storages.entrySet()) {
                put(z, "archive/data/" + e.getKey(), e.getValue(), deflate);
            }
        }
        return file;
    }

    private static void put(ZipOutputStream z, String name, byte[] data, boolean deflate) throws IOException {
        ZipEntry e = new ZipEntry(name);
        if (!deflate) {
            e.setMethod(ZipEntry.STORED);
            e.setSize(data.length);
            CRC32 crc = new CRC32();
            crc.update(data);
            e.setCrc(crc.getValue());
        }
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** One float32 tensor of four values, as torch.save writes it. */
    public static byte[] fourFloatsPickle() {
        return new Pickle()
                .tensor("FloatStorage", "0", 4, 0, new Long[] {4L}, new Long[] {1L})
                .stop();
    }

    public static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /**
     * A zip entry of {@code inflated} zero bytes, deflated (about a thousandth of the size), written straight into
     * the archive: {@code name} carries it; the rest as {@link #torchZip}.
     */
    public static Path torchZipWithBomb(Path file, byte[] pickle, String bombEntry, long inflated) throws IOException {
        try (OutputStream o = Files.newOutputStream(file);
                ZipOutputStream z = new ZipOutputStream(o)) {
            z.setLevel(Deflater.BEST_SPEED);
            put(z, "archive/data.pkl", pickle, true);
            z.putNextEntry(new ZipEntry(bombEntry));
            byte[] zeros = new byte[1 << 20];
            for (long n = 0; n < inflated; n += zeros.length) {
                z.write(zeros, 0, (int) Math.min(zeros.length, inflated - n));
            }
            z.closeEntry();
        }
        return file;
    }

    /** Patches the central directory's uncompressed size of the named entry, as a lying (zip64-style) claim. */
    public static void claimSize(Path zip, String entry, long size) throws IOException {
        byte[] b = Files.readAllBytes(zip);
        byte[] name = entry.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 <= b.length; i++) {
            if (buf.getInt(i) == 0x02014b50
                    && buf.getShort(i + 28) == name.length
                    && new String(b, i + 46, name.length, StandardCharsets.UTF_8).equals(entry)) {
                buf.putInt(i + 24, (int) size);
                Files.write(zip, b);
                return;
            }
        }
        throw new IOException("entry " + entry + " not found in " + zip);
    }

    /** Every hostile .pt of the issue, by what it is, written into {@code dir}. */
    public static Map<String, Path> torchFiles(Path dir) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Map<String, byte[]> oneStorage = Map.of("0", floats(1, 2, 3, 4));
        // 28 × (DUP, TUPLE2) from one None: 2^28 leaves if the shared structure were expanded
        Pickle laughs = new Pickle().op('N');
        for (int i = 0; i < 28; i++) {
            laughs.op('2', 0x86);
        }
        out.put("billion laughs", torchZip(dir.resolve("laughs.pt"), laughs.stop(), Map.of(), false));
        out.put(
                "list that holds itself",
                torchZip(
                        dir.resolve("self.pt"),
                        new Pickle().op(']', 'q', 0, 'h', 0, 'a').stop(),
                        Map.of(),
                        false));
        out.put(
                "dict that holds itself",
                torchZip(
                        dir.resolve("selfdict.pt"),
                        new Pickle()
                                .op('}', 'q', 0)
                                .unicode("me")
                                .op('h', 0, 's')
                                .stop(),
                        Map.of(),
                        false));
        Pickle deep = new Pickle();
        for (int i = 0; i < 100_000; i++) {
            deep.op(']');
        }
        for (int i = 0; i < 99_999; i++) {
            deep.op('a');
        }
        out.put("lists nested 100000 deep", torchZip(dir.resolve("deep.pt"), deep.stop(), Map.of(), false));
        out.put(
                "BINUNICODE of 2 GiB",
                torchZip(
                        dir.resolve("unicode2g.pt"),
                        new Pickle().op('X', 0xff, 0xff, 0xff, 0x7f).text("abc").stop(),
                        Map.of(),
                        false));
        out.put(
                "LONG4 of 2 GiB",
                torchZip(
                        dir.resolve("long4.pt"),
                        new Pickle()
                                .op(0x8b, 0xff, 0xff, 0xff, 0x7f)
                                .text("abc")
                                .stop(),
                        Map.of(),
                        false));
        out.put(
                "BINBYTES8 of 2^63",
                torchZip(
                        dir.resolve("bytes8.pt"),
                        new Pickle().op(0x8e, 0, 0, 0, 0, 0, 0, 0, 0x80).stop(),
                        Map.of(),
                        false));
        out.put(
                "zero stride",
                torchZip(
                        dir.resolve("stride0.pt"),
                        new Pickle()
                                .tensor("FloatStorage", "0", 4, 0, new Long[] {1L << 28}, new Long[] {0L})
                                .stop(),
                        oneStorage,
                        false));
        out.put(
                "shape [2^62] over 0 bytes",
                torchZip(
                        dir.resolve("wrap.pt"),
                        new Pickle()
                                .tensor("FloatStorage", "0", 0, 0, new Long[] {1L << 62}, new Long[] {1L})
                                .stop(),
                        Map.of("0", new byte[0]),
                        false));
        out.put(
                "negative dimension",
                torchZip(
                        dir.resolve("negative.pt"),
                        new Pickle()
                                .tensor("FloatStorage", "0", 4, 0, new Long[] {-4L}, new Long[] {1L})
                                .stop(),
                        oneStorage,
                        false));
        out.put(
                "None in a stride",
                torchZip(
                        dir.resolve("nonestride.pt"),
                        new Pickle()
                                .tensor("FloatStorage", "0", 4, 0, new Long[] {4L}, new Long[] {null})
                                .stop(),
                        oneStorage,
                        false));
        out.put(
                "REDUCE on None",
                torchZip(
                        dir.resolve("reducenone.pt"),
                        new Pickle().op('N', ')', 'R').stop(),
                        Map.of(),
                        false));
        out.put(
                "dotted global",
                torchZip(
                        dir.resolve("dotted.pt"),
                        new Pickle()
                                .global("torch", "_utils._rebuild_tensor_v2")
                                .op(')', 'R')
                                .stop(),
                        Map.of(),
                        false));
        out.put(
                "a global left as data",
                torchZip(
                        dir.resolve("globaldata.pt"),
                        new Pickle().global("collections", "OrderedDict").stop(),
                        Map.of(),
                        false));
        out.put(
                "a MARK left as data",
                torchZip(dir.resolve("markdata.pt"), new Pickle().op('(').stop(), Map.of(), false));
        out.put("storage missing", torchZip(dir.resolve("nostorage.pt"), fourFloatsPickle(), Map.of(), false));
        out.put(
                "storage named with a NUL",
                torchZip(
                        dir.resolve("nul.pt"),
                        new Pickle()
                                .tensor("FloatStorage", "0\u0000x", 4, 0, new Long[] {4L}, new Long[] {1L})
                                .stop(),
                        oneStorage,
                        false));
        out.put(
                "storage shorter than declared",
                torchZip(dir.resolve("short.pt"), fourFloatsPickle(), Map.of("0", floats(1, 2)), true));
        out.put(
                "truncated pickle",
                torchZip(
                        dir.resolve("truncated.pt"),
                        java.util.Arrays.copyOf(fourFloatsPickle(), 30),
                        oneStorage,
                        false));
        out.put(
                "pickle of stray bytes",
                torchZip(dir.resolve("stray.pt"), new byte[] {(byte) 0x80, 2, (byte) 0xfe, '.'}, Map.of(), false));
        out.put(
                "string not UTF-8",
                torchZip(
                        dir.resolve("latin.pt"),
                        new Pickle().op(0x8c, 2, 0xc3, 0x28).stop(),
                        Map.of(),
                        false));
        return out;
    }
}
