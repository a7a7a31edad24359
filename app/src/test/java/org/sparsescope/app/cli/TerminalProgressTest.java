package org.sparsescope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.work.Progress;

class TerminalProgressTest {
    @Test
    void pipedOutputGetsPlainLinesNotCarriageReturns() {
        StringWriter out = new StringWriter();
        TerminalProgress p = new TerminalProgress(new PrintWriter(out), false);
        for (int i = 0; i <= 1000; i++) {
            p.onProgress(new Progress(i / 1000.0, "harvesting " + i, 100, "tokens/s", 1));
        }
        p.done();
        String text = out.toString();
        assertFalse(text.contains("\r") || text.contains("\u001b"), text);
        long lines = text.lines().count();
        assertTrue(lines >= 2 && lines <= 11, lines + " lines: " + text);
        assertTrue(text.strip().endsWith("harvesting 1000"), text);
    }

    @Test
    void aTerminalGetsOneRedrawnBar() {
        StringWriter out = new StringWriter();
        TerminalProgress p = new TerminalProgress(new PrintWriter(out), true);
        p.onProgress(new Progress(0.5, "half", Double.NaN, "", Double.NaN));
        p.done();
        assertTrue(out.toString().startsWith("\r["), out.toString());
        assertEquals(1, out.toString().chars().filter(ch -> ch == '\n').count(), "one line, redrawn in place");
    }
}
