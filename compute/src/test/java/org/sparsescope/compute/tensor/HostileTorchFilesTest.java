package org.sparsescope.compute.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each hostile .pt the reliability issue found: a typed error naming the file and the problem, at once. */
class HostileTorchFilesTest {
    @TempDir
    Path tmp;

    /** What each file's error must say. */
    private static final Map<String, String> EXPECTED = Map.ofEntries(
            Map.entry("list that holds itself", "malformed pickle: a list of 1 contains itself"),
            Map.entry("dict that holds itself", "contains itself"),
            Map.entry("lists nested 100000 deep", "nested more than"),
            Map.entry("BINUNICODE of 2 GiB", "runs past the end of the pickle"),
            Map.entry("LONG4 of 2 GiB", "more than this reader takes"),
            Map.entry("BINBYTES8 of 2^63", "more than this reader takes"),
            Map.entry("zero stride", "broadcast view"),
            Map.entry("shape [2^62] over 0 bytes", "than any file can hold"),
            Map.entry("negative dimension", "not a non-negative integer"),
            Map.entry("None in a stride", "not a non-negative integer"),
            Map.entry("REDUCE on None", "REDUCE on None, which is not a callable"),
            Map.entry("dotted global", "dotted attribute path"),
            Map.entry("a global left as data", "where data should be"),
            Map.entry("a MARK left as data", "MARK"),
            Map.entry("storage missing", "missing from the archive"),
            Map.entry("storage named with a NUL", "0\\x00x"),
            Map.entry("storage shorter than declared", "declares"),
            Map.entry("truncated pickle", "truncated"),
            Map.entry("pickle of stray bytes", "unknown opcode 0xfe"),
            Map.entry("string not UTF-8", "not valid UTF-8"));

    @Test
    void everyHostilePickleGivesATypedErrorNamingTheFileWithinTwoSeconds() throws Exception {
        Map<String, Path> files = HostileFiles.torchFiles(tmp);
        assertTrue(files.keySet().containsAll(EXPECTED.keySet()));
        for (Map.Entry<String, String> c : EXPECTED.entrySet()) {
            Path f = files.get(c.getKey());
            TensorFileException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    Duration.ofSeconds(2),
                    () -> assertThrows(TensorFileException.class, () -> TorchFile.read(f), c.getKey()),
                    c.getKey());
            assertEquals(f, e.file(), c.getKey());
            assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + ": " + e.getMessage());
            // and it reads as a sentence: no doubled article, no empty or internal class name
            for (String bad : new String[] {" a a ", " on , ", "$$Lambda", "$"}) {
                assertTrue(!e.getMessage().replace(f.toString(), "").contains(bad), c.getKey() + ": " + e.getMessage());
            }
        }
    }

    @Test
    void sharedStructureIsReadOnceNotExpanded() throws Exception {
        Path f = HostileFiles.torchFiles(tmp).get("billion laughs");
        Object root = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(2), () -> TorchFile.read(f));
        // 28 levels of pairs whose two halves are one object, as the pickle's DUP made them
        Object level = root;
        for (int i = 0; i < 28; i++) {
            Object[] pair = assertInstanceOf(Object[].class, level);
            assertEquals(2, pair.length);
            assertTrue(pair[0] == pair[1], "the halves stay one shared object");
            level = pair[0];
        }
        assertEquals(null, level);
        TensorFileException e = assertThrows(TensorFileException.class, () -> TorchFile.readStateDict(f));
        assertTrue(e.getMessage().contains("expected a dict of tensors"), e.getMessage());
    }

    @Test
    void aPlainTensorWrittenByHandReadsBack() throws Exception {
        Path f = HostileFiles.torchZip(
                tmp.resolve("ok.pt"),
                HostileFiles.fourFloatsPickle(),
                Map.of("0", HostileFiles.floats(1, 2, 3, 4)),
                true);
        Tensor t = TorchFile.readTensor(f);
        assertEquals(
                java.util.List.of(1f, 2f, 3f, 4f),
                java.util.List.of(t.floats()[0], t.floats()[1], t.floats()[2], t.floats()[3]));
        // a transposed 2×2 view of the same storage is gathered in row-major order
        byte[] transposed = new HostileFiles.Pickle()
                .tensor("FloatStorage", "0", 4, 0, new Long[] {2L, 2L}, new Long[] {1L, 2L})
                .stop();
        Path g = HostileFiles.torchZip(
                tmp.resolve("t.pt"), transposed, Map.of("0", HostileFiles.floats(1, 2, 3, 4)), false);
        assertEquals(
                java.util.List.of(1f, 3f, 2f, 4f), boxed(TorchFile.readTensor(g).floats()));
    }

    @Test
    void aStorageEntryThatInflatesPastItsDeclaredSizeIsStoppedWhileInflating() throws Exception {
        // the pickle declares 4 floats; the entry inflates to 64 MiB of zeros
        Path f = HostileFiles.torchZipWithBomb(
                tmp.resolve("bomb.pt"), HostileFiles.fourFloatsPickle(), "archive/data/0", 64L << 20);
        TensorFileException e = assertThrows(TensorFileException.class, () -> TorchFile.read(f));
        assertTrue(e.getMessage().contains("more than the 16"), e.getMessage());
    }

    @Test
    void aLyingCentralDirectorySizeIsCheckedAgainstTheArchive() throws Exception {
        Path f = HostileFiles.torchZip(
                tmp.resolve("claim.pt"),
                HostileFiles.fourFloatsPickle(),
                Map.of("0", HostileFiles.floats(1, 2, 3, 4)),
                true);
        HostileFiles.claimSize(f, "archive/data/0", Integer.MAX_VALUE);
        TensorFileException e = assertThrows(TensorFileException.class, () -> TorchFile.readTensorInfo(f));
        assertTrue(e.getMessage().contains("claims 2147483647 bytes"), e.getMessage());
    }

    @Test
    void onlyTheExactWhitelistedPairsAreGlobals() throws Exception {
        Path f = HostileFiles.torchZip(
                tmp.resolve("cls.pt"),
                new HostileFiles.Pickle()
                        .global("autoencoders.learned_dict", "UntiedSAE")
                        .op(')', 'R')
                        .stop(),
                Map.of(),
                false);
        Object o = TorchFile.read(f, Set.of("autoencoders.learned_dict.UntiedSAE"));
        assertEquals(
                "autoencoders.learned_dict.UntiedSAE",
                assertInstanceOf(PickledObject.class, o).className());
        assertThrows(UnsafePickleException.class, () -> TorchFile.read(f));
    }

    @Test
    void anNpzEntryIsInflatedNoFurtherThanItsHeaderSays() throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
        StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        java.io.ByteArrayOutputStream npy = new java.io.ByteArrayOutputStream();
        npy.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
        npy.writeBytes(h.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Path f = tmp.resolve("bomb.npz");
        try (var z = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(f))) {
            z.putNextEntry(new java.util.zip.ZipEntry("x\u0000.npy"));
            z.write(npy.toByteArray());
            z.write(new byte[64 << 20]); // 4 floats declared, 64 MiB follow
            z.closeEntry();
        }
        TensorFileException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(2), () -> assertThrows(TensorFileException.class, () -> NpyFile.readNpz(f)));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().contains("'x\\x00.npy'") && e.getMessage().contains("more than the"), e.getMessage());
    }

    private static java.util.List<Float> boxed(float[] v) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        for (float x : v) {
            out.add(x);
        }
        return out;
    }
}
