package org.sparsescope.compute.activations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingStreamTest {
    @TempDir
    Path tmp;

    /** A folder of .npy chunks of uneven sizes whose row r holds r in every column. */
    private ActivationSet numberedRows(int d, int... chunkRows) throws Exception {
        Path dir = tmp.resolve("set");
        Files.createDirectories(dir);
        int row = 0;
        for (int c = 0; c < chunkRows.length; c++) {
            String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + chunkRows[c] + ", " + d + "), }\n";
            ByteBuffer b = ByteBuffer.allocate(10 + header.length() + chunkRows[c] * d * 4)
                    .order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})
                    .putShort((short) header.length())
                    .put(header.getBytes());
            for (int r = 0; r < chunkRows[c]; r++, row++) {
                for (int j = 0; j < d; j++) {
                    b.putFloat(row);
                }
            }
            Files.write(dir.resolve(String.format("part-%02d.npy", c)), b.array());
        }
        return ActivationSet.open(dir);
    }

    private static List<Integer> epochRows(TrainingStream s, int epoch, List<Integer> batchSizes) throws Exception {
        List<Integer> rows = new ArrayList<>();
        try (TrainingStream.Epoch e = s.epoch(epoch)) {
            for (TrainingStream.Batch b = e.next(); b != null; b = e.next()) {
                batchSizes.add(b.rows());
                for (int i = 0; i < b.rows(); i++) {
                    rows.add((int) b.values()[i * b.d()]);
                }
            }
        }
        return rows;
    }

    @Test
    void everyTrainingRowExactlyOncePerEpochAndNeverAHeldOutOne() throws Exception {
        try (ActivationSet set = numberedRows(3, 100, 37, 250, 13)) {
            TrainingStream s = new TrainingStream(set, 50, 32, 42);
            assertEquals(350, s.trainRows());
            List<Integer> sizes = new ArrayList<>();
            List<Integer> e0 = epochRows(s, 0, sizes);
            List<Integer> sorted = new ArrayList<>(e0);
            sorted.sort(null);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 350; i++) {
                expected.add(i);
            }
            assertEquals(expected, sorted);
            assertEquals(s.batchesPerEpoch(), sizes.size());
            assertTrue(sizes.subList(0, sizes.size() - 1).stream().allMatch(n -> n == 32), "full batches but the last");
            assertEquals(350 % 32, sizes.get(sizes.size() - 1));

            List<Integer> e1 = epochRows(s, 1, new ArrayList<>());
            assertFalse(e0.equals(e1), "another epoch, another order");
            assertEquals(
                    e0, epochRows(new TrainingStream(set, 50, 32, 42), 0, new ArrayList<>()), "same seed, same order");

            float[] held = s.heldOut();
            assertEquals(50 * 3, held.length);
            assertEquals(350f, held[0]);
            assertEquals(399f, held[held.length - 1]);
        }
    }

    @Test
    void batchesBecomeEngineArraysOfTheRightShape() throws Exception {
        try (ActivationSet set = numberedRows(4, 10);
                ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            TrainingStream s = new TrainingStream(set, 2, 5, 1);
            try (TrainingStream.Epoch e = s.epoch(0)) {
                var a = e.next().toNDArray(m);
                assertArrayEquals(new long[] {5, 4}, a.getShape().getShape());
            }
        }
    }
}
