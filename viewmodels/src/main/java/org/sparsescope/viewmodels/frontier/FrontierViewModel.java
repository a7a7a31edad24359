package org.sparsescope.viewmodels.frontier;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * Every measured dictionary as a point of L0 against FVU, plus the live points of a running sweep; the
 * selection (drag a rectangle, or pick in the dictionary table) is shared with the table and the comparison.
 */
public final class FrontierViewModel {
    private final ObservableList<FrontierPoint> points = FXCollections.observableArrayList();
    private final ObservableList<String> selection = FXCollections.observableArrayList();
    private final Map<String, FrontierPoint> live = new LinkedHashMap<>();
    private final WorkspaceViewModel workspace;

    public FrontierViewModel(WorkspaceViewModel workspace) {
        this.workspace = workspace;
        workspace.dictionaries().addListener((ListChangeListener<DictionaryEntry>) c -> rebuild());
        rebuild();
    }

    public ObservableList<FrontierPoint> points() {
        return points;
    }

    /** Ids of the selected dictionaries. */
    public ObservableList<String> selection() {
        return selection;
    }

    /** Selects the points inside the rectangle (either corner order), replacing the selection. */
    public void selectRectangle(double l0a, double l0b, double fvuA, double fvuB) {
        double l0Lo = Math.min(l0a, l0b), l0Hi = Math.max(l0a, l0b), fLo = Math.min(fvuA, fvuB), fHi = Math.max(fvuA, fvuB);
        List<String> inside = points.stream().filter(p -> p.l0() >= l0Lo && p.l0() <= l0Hi && p.fvu() >= fLo && p.fvu() <= fHi)
                .map(FrontierPoint::id).toList();
        selection.setAll(inside);
    }

    public void select(List<String> ids) {
        selection.setAll(ids);
    }

    /** A running sweep's member moved. */
    public void updateLive(String id, String label, double l0, double fvu, int dSae, String architecture) {
        live.put(id, new FrontierPoint(id, label, l0, fvu, dSae, architecture, true));
        rebuild();
    }

    /** The sweep ended: its points become the saved dictionaries' own. */
    public void clearLive() {
        live.clear();
        rebuild();
    }

    private void rebuild() {
        List<FrontierPoint> all = new java.util.ArrayList<>();
        for (DictionaryEntry e : workspace.dictionaries()) {
            if (e.measured()) {
                all.add(new FrontierPoint(e.id(), e.name(), e.l0(), e.fvu(), e.dSae(), e.architecture(), false));
            }
        }
        all.addAll(live.values());
        points.setAll(all);
        selection.removeIf(id -> all.stream().noneMatch(p -> p.id().equals(id)));
    }
}
