package org.sparsescope.app.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AxisTest {
    private static List<String> labels(Axis a) {
        return a.ticks().stream().filter(Axis.Tick::major).map(Axis.Tick::label).toList();
    }

    @Test
    void aLogAxisFromTwentyFiveTo336HasOneTwoFiveTicksAcrossTheWholeRange() {
        Axis a = new Axis(Math.log10(20), Math.log10(400), true);
        assertEquals(List.of("20", "50", "100", "200"), labels(a));
        Axis wider = new Axis(Math.log10(3), Math.log10(2000), true);
        assertEquals(List.of("10", "100", "1000"), labels(wider), "decades labelled over more than two decades");
        assertEquals(
                List.of("5", "10", "20", "50", "100", "200", "500", "1000", "2000"),
                wider.ticks().stream()
                        .map(t -> String.valueOf(Math.round(wider.value(t.at()))))
                        .toList(),
                "1-2-5 grid lines throughout");
    }

    @Test
    void aLogAxisOverManyDecadesLabelsDecadesInScientificNotationOutsideTheReadableRange() {
        Axis density = new Axis(-8, 0, true);
        assertEquals(List.of("1e-8", "1e-7", "1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1", "1"), labels(density));
        Axis huge = new Axis(-30, 0, true);
        assertTrue(labels(huge).size() <= 12, labels(huge).toString());
    }

    @Test
    void aLogAxisInsideOneDecadeStillHasTwoLabels() {
        Axis a = new Axis(Math.log10(1.5), Math.log10(6), true);
        assertEquals(List.of("2", "5"), labels(a));
    }

    @Test
    void linearTicksStepByOneTwoOrFiveWithOnePrecisionAlongTheAxis() {
        assertEquals(
                List.of("0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"), labels(new Axis(-0.01, 0.31, false)));
        assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"), labels(new Axis(0, 1.05, false)));
        assertEquals(List.of("0", "50", "100", "150", "200", "250", "300"), labels(new Axis(0, 320, false)));
        assertEquals(List.of("-1.0", "-0.5", "0.0", "0.5", "1.0"), labels(new Axis(-1.2, 1.2, false)));
    }

    @Test
    void anEmptyOrInvertedRangeHasNoTicks() {
        assertTrue(new Axis(1, 1, false).ticks().isEmpty());
        assertTrue(new Axis(2, 1, true).ticks().isEmpty());
    }
}
