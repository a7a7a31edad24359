package org.sparsescope.viewmodels.workspace;

import java.util.ArrayDeque;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

/**
 * The questions for the user about provenance, asked one at a time and never stacked: the one shown is
 * {@link #current()}; one question per file (a second for the same file is dropped); the next is shown once the one
 * before is answered or dismissed. FX thread only.
 */
final class ProvenanceQuestions {
    private final ArrayDeque<ProvenanceRequest> waiting = new ArrayDeque<>();
    private final ReadOnlyObjectWrapper<ProvenanceRequest> current = new ReadOnlyObjectWrapper<>();

    /** The question shown, or null. */
    ReadOnlyObjectProperty<ProvenanceRequest> current() {
        return current.getReadOnlyProperty();
    }

    void ask(ProvenanceRequest r) {
        if (waiting.stream().anyMatch(q -> q.kind() == r.kind() && q.target().equals(r.target()))) {
            return; // asked already: one question per file
        }
        waiting.add(r);
        if (current.get() == null) {
            current.set(r);
        }
    }

    /** Takes {@code r} off; nothing is shown until {@link #next} (so an answer's own questions queue behind). */
    void settle(ProvenanceRequest r) {
        waiting.remove(r);
        current.set(null);
    }

    /** Shows the next waiting question, if none is shown. */
    void next() {
        if (current.get() == null && !waiting.isEmpty()) {
            current.set(waiting.peek());
        }
    }
}
