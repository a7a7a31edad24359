package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.ProvenanceMismatchException;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.stats.DictionaryComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Max cosine similarity of each feature of A to B's decoder directions (MCS), their mean (MMCS), histogram and matches.")
public final class CompareCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dict", required = true, arity = "1", description = "give twice: dictionary A, then B")
    List<Path> dicts;

    @Option(names = "--show", defaultValue = "10", description = "best and worst matches to list (default ${DEFAULT-VALUE})")
    int show;

    @Option(names = "--json", description = "print the result as JSON (per-feature MCS and matches included)")
    boolean json;

    @Option(names = "--workspace", description = "workspace whose statements of model and hook apply (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspace;

    @Option(names = "--force", description = "compare dictionaries of different models or hooks anyway")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (dicts.size() != 2) {
            throw new IllegalArgumentException("give exactly two --dict options, A and B");
        }
        Dictionary a = DictionaryFiles.read(dicts.get(0)), b = DictionaryFiles.read(dicts.get(1));
        Workspace ws = DictionaryInWorkspace.openWorkspace(workspace);
        Placement pa = ws.place(dicts.get(0), a), pb = ws.place(dicts.get(1), b);
        if (pa.at() != null && pb.at() != null && !pa.at().sameAs(pb.at())) {
            String why = dicts.get(0) + " reads " + pa.describe() + " but " + dicts.get(1) + " reads " + pb.describe()
                    + ": their decoder directions live in different spaces";
            if (!force) {
                throw new ProvenanceMismatchException(dicts.get(1), why + "; refused (pass --force to compare anyway)");
            }
            spec.commandLine().getErr().println("sparsescope: warning (--force): " + why);
        } else if (pa.at() == null || pb.at() == null) {
            spec.commandLine().getErr().println("sparsescope: warning: " + (pa.at() == null ? dicts.get(0) : dicts.get(1))
                    + " names no model or hook, so nothing says the two read the same activations");
        }
        DictionaryComparison c = DictionaryComparison.of(a, b);
        var out = spec.commandLine().getOut();
        Integer[] order = new Integer[c.maxCosine().length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(c.maxCosine()[y], c.maxCosine()[x]));
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", dicts.get(0).toString());
            m.put("b", dicts.get(1).toString());
            m.put("a_site", pa.describe());
            m.put("b_site", pb.describe());
            m.put("direction", "mean over A's features of the best match in B");
            m.put("mmcs", c.meanMaxCosine());
            m.put("histogram", Map.of("lo", 0, "hi", 1, "counts", c.histogram().counts()));
            m.put("mcs", c.maxCosine());
            m.put("match", c.match());
            Json.print(out, m);
            return 0;
        }
        out.printf(Locale.ROOT, "A %s (%d features, %s)  B %s (%d features, %s)%n", dicts.get(0), a.dSae(), pa.describe(), dicts.get(1), b.dSae(),
                pb.describe());
        out.printf(Locale.ROOT, "MMCS A → B %.4f (mean over A's features of the best match in B; give the smaller dictionary first for the seed's direction)%n",
                c.meanMaxCosine());
        long max = java.util.Arrays.stream(c.histogram().counts()).max().orElse(1);
        for (int i = 0; i < c.histogram().bins(); i++) {
            double lo = c.histogram().lo() + i * c.histogram().binWidth();
            out.printf(Locale.ROOT, "  %.2f–%.2f %6d %s%n", lo, lo + c.histogram().binWidth(), c.histogram().counts()[i],
                    "#".repeat((int) (40.0 * c.histogram().counts()[i] / Math.max(1, max))));
        }
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(show, order.length); i++) {
            rows.add(String.format(Locale.ROOT, "A#%d ~ B#%d  %.4f", order[i], c.match()[order[i]], c.maxCosine()[order[i]]));
        }
        out.println("best matched: " + String.join(", ", rows));
        rows.clear();
        for (int i = 0; i < Math.min(show, order.length); i++) {
            int f = order[order.length - 1 - i];
            rows.add(String.format(Locale.ROOT, "A#%d ~ B#%d  %.4f", f, c.match()[f], c.maxCosine()[f]));
        }
        out.println("least matched: " + String.join(", ", rows));
        return 0;
    }
}
