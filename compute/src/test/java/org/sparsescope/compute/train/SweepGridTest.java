package org.sparsescope.compute.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;

/** Which members a sweep has: every size × (untied l1, k, tied l1), in that order, and fine-tuning's members. */
class SweepGridTest {
    @Test
    void everySizeHasItsUntiedTopKAndTiedMembersInOrder() {
        List<SweepMember> m =
                new SweepGrid(List.of(0.5, 4.0), List.of(1e-3, 2e-3), List.of(16), List.of(1e-3)).members(256);
        assertEquals(
                List.of(
                        "l1_1.00e-03_f128",
                        "l1_2.00e-03_f128",
                        "topk_16_f128",
                        "tied_l1_1.00e-03_f128",
                        "l1_1.00e-03_f1024",
                        "l1_2.00e-03_f1024",
                        "topk_16_f1024",
                        "tied_l1_1.00e-03_f1024"),
                m.stream().map(SweepMember::name).toList());
    }

    @Test
    void fineTuningTakesTheStartsSizeAndRefusesTiedMembers() throws Exception {
        Dictionary start = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        List<SweepMember> m = new SweepGrid(List.of(4.0), List.of(1e-3), List.of(), List.of()).fineTuning(start);
        assertEquals(1, m.size());
        assertEquals("finetune_l1_1.00e-03_f1024", m.get(0).name());
        assertTrue(m.get(0).start() == start);
        assertThrows(
                IllegalArgumentException.class,
                () -> new SweepGrid(List.of(4.0), List.of(), List.of(), List.of(1e-3)).fineTuning(start));
        assertThrows(
                IllegalArgumentException.class,
                () -> SweepMember.tied(1024, 1e-3).startingFrom(start, "x"));
    }

    @Test
    void anEmptyGridOrANonPositiveSizeIsRefused() {
        assertThrows(
                IllegalArgumentException.class, () -> new SweepGrid(List.of(4.0), List.of(), List.of(), List.of()));
        assertThrows(
                IllegalArgumentException.class, () -> new SweepGrid(List.of(0.0), List.of(1e-3), List.of(), List.of()));
    }
}
