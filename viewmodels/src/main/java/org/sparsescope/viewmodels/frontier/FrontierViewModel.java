package org.sparsescope.viewmodels.frontier;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.stats.DictionaryComparison;
import org.sparsescope.viewmodels.Background;
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
    private final ReadOnlyObjectWrapper<Comparison> comparison = new ReadOnlyObjectWrapper<>();
    private final Background background;
    private final WorkspaceViewModel workspace;

    /** Two dictionaries compared: the mean over a's features of the best cosine with b's, and how many reach 0.9. */
    public record Comparison(String a, String b, double meanMaxCosine, long matchedAbove09) {
    }

    public FrontierViewModel(Background background, WorkspaceViewModel workspace) {
        this.background = background;
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

    /** The last comparison of two selected dictionaries. */
    public ReadOnlyObjectProperty<Comparison> comparisonProperty() {
        return comparison.getReadOnlyProperty();
    }

    /** Compares the two selected dictionaries' decoders (MMCS) in the background; does nothing unless two are selected. */
    public void compareSelected() {
        if (selection.size() != 2) {
            return;
        }
        DictionaryEntry a = workspace.find(selection.get(0)), b = workspace.find(selection.get(1));
        if (a == null || b == null) {
            return;
        }
        background.submit("Compare", (p, c) -> DictionaryComparison.of(workspace.readDictionary(a.path()), workspace.readDictionary(b.path()),
                Devices.preferred()), r -> comparison.set(new Comparison(a.name(), b.name(), r.meanMaxCosine(),
                        Arrays.stream(r.maxCosine()).filter(v -> v >= 0.9).count())), workspace::fail);
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
