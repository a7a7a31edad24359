package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.export.DashboardHtml;
import org.sparsescope.compute.export.FeatureDashboard;
import org.sparsescope.compute.export.FeatureTableCsv;
import org.sparsescope.compute.export.NeuronpediaExport;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.TopTokens;
import org.sparsescope.compute.work.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "What the window shows, as files: the feature table as CSV, features' dashboards as one self-contained HTML file, or every "
                    + "feature in Neuronpedia's export layout (features, activations, explanations as jsonl.gz). Statistics come from the workspace "
                    + "cache (computed once)."
        },
        subcommands = {ExportCommand.Csv.class, ExportCommand.Html.class, ExportCommand.Neuronpedia.class})
public final class ExportCommand {

    /** The dictionary, its set and report, and its model, as every export needs them. */
    abstract static class Exporting implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        DictionaryInWorkspace target = new DictionaryInWorkspace();

        @Option(names = "--out", required = true, description = "file (csv, html) or folder (neuronpedia) to write")
        Path out;

        abstract void export(LanguageModel lm, ActivationSet set, FeatureReport report, List<String> topTokens)
                throws Exception;

        /** The dictionary's stored autointerp results (its latest run in the workspace), which the exports carry. */
        org.sparsescope.compute.autointerp.AutointerpRun.Stored explained() throws java.io.IOException {
            return target.workspace().explanations(target.dict).orElse(null);
        }

        @Override
        public Integer call() throws Exception {
            try (ActivationSet set =
                    ActivationSet.open(target.activations(spec.commandLine().getErr()))) {
                FeatureReport report = target.report(set, spec.commandLine().getErr());
                try (LanguageModel lm = target.loadModel()) {
                    export(lm, set, report, TopTokens.ofAll(set, lm.tokenizer(), report));
                }
            }
            spec.commandLine().getOut().println("wrote " + out);
            return 0;
        }
    }

    @Command(
            name = "csv",
            mixinStandardHelpOptions = true,
            description =
                    "The feature table: feature, density, mean, max, std, skew, kurtosis, capacity, top tokens, and "
                            + "(once explained by autointerp) explanation, detection, fuzzing, explainer.")
    public static final class Csv extends Exporting {
        @Override
        void export(LanguageModel lm, ActivationSet set, FeatureReport report, List<String> topTokens)
                throws Exception {
            FeatureTableCsv.write(out, report, topTokens, explained());
        }
    }

    @Command(
            name = "html",
            mixinStandardHelpOptions = true,
            description = "The dashboards of the features named, in one self-contained HTML file.")
    public static final class Html extends Exporting {
        @Option(names = "--features", required = true, split = ",", description = "features, e.g. 12,40")
        int[] features;

        @Option(
                names = "--correlations",
                description = "also the most correlated features (a pass over the set per feature)")
        boolean correlations;

        @Override
        void export(LanguageModel lm, ActivationSet set, FeatureReport report, List<String> topTokens)
                throws Exception {
            for (int f : features) {
                if (f < 0 || f >= report.stats().features()) {
                    throw new IllegalArgumentException("feature " + f + " is outside 0 … "
                            + (report.stats().features() - 1));
                }
            }
            try (DictionaryOnDevice d = new DictionaryOnDevice(target.dictionary(), lm.device())) {
                TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
                List<FeatureDashboard> ds = FeatureDashboard.of(
                        lm,
                        d,
                        set,
                        report,
                        topTokens,
                        features,
                        FeatureAnalysis.Options.defaults().bands(),
                        correlations,
                        bar,
                        new Cancellation());
                bar.done();
                DashboardHtml.write(
                        out,
                        target.dict.getFileName() + ": " + features.length + " feature"
                                + (features.length == 1 ? "" : "s"),
                        target.site() + " · statistics over " + report.stats().rows() + " tokens of "
                                + set.location().getFileName() + " · Sparsescope",
                        ds,
                        explained());
            }
        }
    }

    @Command(
            name = "neuronpedia",
            mixinStandardHelpOptions = true,
            description =
                    "Every feature in Neuronpedia's export layout: OUT/<model-id>/<layer>-<source-set>/{features,activations,explanations}/batch-K.jsonl.gz.")
    public static final class Neuronpedia extends Exporting {
        @Option(names = "--model-id", description = "Neuronpedia's model id (default: the model's name)")
        String modelId;

        @Option(
                names = "--source-set",
                defaultValue = "sparsescope",
                description = "the source set's name (default ${DEFAULT-VALUE})")
        String sourceSet;

        @Override
        void export(LanguageModel lm, ActivationSet set, FeatureReport report, List<String> topTokens)
                throws Exception {
            NeuronpediaExport.Target t = new NeuronpediaExport.Target(
                    out,
                    modelId != null ? modelId : target.placement().at().model(),
                    sourceSet,
                    lm.hook(target.placement().at().hook()));
            try (DictionaryOnDevice d = new DictionaryOnDevice(target.dictionary(), lm.device())) {
                TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
                NeuronpediaExport.write(t, lm, d, set, report, topTokens, explained(), bar, new Cancellation());
                bar.done();
            }
        }
    }
}
