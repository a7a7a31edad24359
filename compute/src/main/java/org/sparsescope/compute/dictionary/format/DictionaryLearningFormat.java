package org.sparsescope.compute.dictionary.format;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.model.HookNames;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * dictionary_learning: {@code ae.pt} (a state dict) with the trainer's {@code config.json} beside it, whose
 * {@code trainer.lm_name}, {@code trainer.submodule_name} (or {@code trainer.layer}) and {@code buffer.ctx_len}
 * give the provenance.
 */
public final class DictionaryLearningFormat implements DictionaryFormat {
    public static final String WEIGHTS = "ae.pt";
    public static final String CONFIG = "config.json";
    /** dictionary_learning's own submodule names ("resid_post_layer_3", "mlp_out_layer_1", "attn_out_layer_0"). */
    private static final Pattern SUBMODULE = Pattern.compile("(resid_post|resid_pre|mlp_out|attn_out)_layer_(\\d+)");

    @Override
    public String name() {
        return "dictionary_learning";
    }

    @Override
    public boolean recognises(Path path) {
        if (Files.isDirectory(path)) {
            return Files.isRegularFile(path.resolve(WEIGHTS));
        }
        String name = path.getFileName().toString();
        return Files.isRegularFile(path)
                && (name.equals(WEIGHTS)
                        || (name.endsWith(".pt")
                                && !name.equals(SeedFormat.FILE)
                                && Files.isRegularFile(path.resolveSibling(CONFIG))));
    }

    private static Path weights(Path path) {
        return Files.isDirectory(path) ? path.resolve(WEIGHTS) : path;
    }

    @Override
    public List<Provenance> provenance(Path path) throws IOException {
        Path cfgFile = weights(path).resolveSibling(CONFIG);
        return List.of(provenance(cfgFile, Files.isRegularFile(cfgFile) ? Json.read(cfgFile) : new JsonObject()));
    }

    static Provenance provenance(Path cfgFile, JsonObject cfg) throws IOException {
        JsonObject trainer = Json.object(cfgFile, cfg, "trainer");
        JsonObject buffer = Json.object(cfgFile, cfg, "buffer");
        String hook = hookOf(Json.str(cfgFile, trainer, "submodule_name", null));
        if (hook == null) {
            hook = HookNames.named(Json.str(cfgFile, trainer, "hook", Json.str(cfgFile, trainer, "hook_name", null)));
        }
        Integer ctx = Json.integer(cfgFile, buffer, "ctx_len");
        // dictionary_learning's buffer tokenises with the model's defaults: no BOS for GPT-2 and Pythia
        return Provenance.stated(
                Json.str(cfgFile, trainer, "lm_name", null), hook, null, false, ctx == null ? 0 : ctx, null);
    }

    /** TransformerLens's name for a dictionary_learning submodule name, or null. */
    public static String hookOf(String submodule) {
        if (submodule == null) {
            return null;
        }
        Matcher m = SUBMODULE.matcher(submodule);
        if (m.matches()) {
            return "blocks." + m.group(2) + ".hook_" + m.group(1);
        }
        return HookNames.named(submodule); // a module path, read as a place where it names one
    }

    @Override
    public List<Dictionary> read(Path path) throws IOException {
        Path aePt = weights(path);
        Path cfgFile = aePt.resolveSibling(CONFIG);
        JsonObject cfg = Files.isRegularFile(cfgFile) ? Json.read(cfgFile) : new JsonObject();
        String dictClass = Json.str(cfgFile, Json.object(cfgFile, cfg, "trainer"), "dict_class", "AutoEncoder");
        if (!dictClass.equals("AutoEncoder") && !dictClass.equals("BatchTopKSAE")) {
            throw new DictionaryFormatException(
                    cfgFile,
                    "dictionary_learning dict_class '" + dictClass + "' is not supported (AutoEncoder, BatchTopKSAE)");
        }
        Map<String, Tensor> t = TorchFile.readStateDict(aePt);
        DictionaryInfo info = new DictionaryInfo(provenance(cfgFile, cfg), "dictionary_learning", Json.flatten(cfg));
        try {
            if (dictClass.equals("BatchTopKSAE")) {
                return List.of(batchTopK(aePt, t, info));
            }
            // c = relu((x − bias) encoderᵀ + encoder.bias), x̂ = c decoderᵀ + bias
            return List.of(new StandardDictionary(
                    HostTensors.transpose(Tensors.need(t, aePt, "encoder.weight")),
                    Tensors.need(t, aePt, "encoder.bias"),
                    HostTensors.transpose(Tensors.need(t, aePt, "decoder.weight")),
                    Tensors.need(t, aePt, "bias"),
                    true,
                    info));
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(aePt, e.getMessage());
        }
    }

    /**
     * BatchTopKSAE as its encode runs at inference (use_threshold): c = relu((x − b_dec) encoderᵀ + encoder.bias),
     * kept where c > threshold, the one threshold training estimated; x̂ = c decoderᵀ + b_dec. Read as JumpReLU with
     * that threshold for every feature, never as plain ReLU. A threshold still at its initial −1 was never estimated.
     */
    private static Dictionary batchTopK(Path aePt, Map<String, Tensor> t, DictionaryInfo info) throws IOException {
        float[] threshold = Tensors.need(t, aePt, "threshold").floats();
        if (threshold.length != 1 || !(threshold[0] >= 0) || Float.isInfinite(threshold[0])) {
            throw new DictionaryFormatException(
                    aePt,
                    "BatchTopKSAE threshold " + java.util.Arrays.toString(threshold)
                            + " was never estimated (it starts at -1); its codes would depend on the batch");
        }
        StandardDictionary base = new StandardDictionary(
                HostTensors.transpose(Tensors.need(t, aePt, "encoder.weight")),
                Tensors.need(t, aePt, "encoder.bias"),
                HostTensors.transpose(Tensors.need(t, aePt, "decoder.weight")),
                Tensors.need(t, aePt, "b_dec"),
                true,
                info);
        float[] perFeature = new float[base.dSae()];
        java.util.Arrays.fill(perFeature, threshold[0]);
        return new org.sparsescope.compute.dictionary.JumpReluDictionary(
                base, Tensor.ofFloats(new long[] {perFeature.length}, perFeature));
    }
}
