package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopTokensTest {
    @Test
    void eachDistinctTokenOnceWithItsCountMostFrequentFirst() {
        assertEquals("= ×3 · the ×2 · of", TopTokens.summarize(List.of("=", "of", "the", "=", "the", "="), 5));
        assertEquals(
                "a · b", TopTokens.summarize(List.of("a", "b", "c"), 2), "ties keep the order of first appearance");
        assertEquals("", TopTokens.summarize(List.of(), 3));
    }
}
