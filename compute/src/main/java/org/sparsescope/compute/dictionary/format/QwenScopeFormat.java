package org.sparsescope.compute.dictionary.format;

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
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * Qwen-Scope (the Qwen team's residual-stream TopK dictionaries on Qwen3 and Qwen3.5): one {@code layer{n}.sae.pt}
 * per layer in a repository named {@code SAE-Res-{model}-W{width}K-L0_{k}}, each a dict of {@code W_enc}
 * [d_sae, d_model], {@code W_dec} [d_model, d_sae], {@code b_enc}, {@code b_dec} (the model card's table). k and the
 * model are in the repository's name only, so a file taken out of its folder is refused rather than guessed at.
 * <p>Codes are TopK_k(relu(x W_encᵀ + b_enc)) with no b_dec subtracted, at the output of decoder layer n
 * (hidden_states[n + 1], blocks.n.hook_resid_post): the model card's demonstration code could not be read here, so
 * this follows the card's description and how published users of the release encode with it. Some of them take the
 * top k of the pre-activations without the relu; the two differ only in a row with fewer than k positive
 * pre-activations (rare at k = 50 of 32768), where this keeps zeros rather than negative codes.
 */
public final class QwenScopeFormat implements DictionaryFormat {
    private static final Pattern FILE = Pattern.compile("layer(\\d{1,4})\\.sae\\.pt");
    private static final Pattern REPOSITORY =
            Pattern.compile("SAE-Res-(Qwen[\\w.]*?-[\\d.]+B(?:-A\\d+B)?(?:-Base|-Instruct)?)-W(\\d+)K-L0_(\\d{1,5})");

    @Override
    public String name() {
        return "Qwen-Scope";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isRegularFile(path)
                && FILE.matcher(path.getFileName().toString()).matches();
    }

    @Override
    public List<Provenance> provenance(Path file) {
        return List.of(provenanceOf(file));
    }

    private static Provenance provenanceOf(Path file) {
        Matcher name = FILE.matcher(file.getFileName().toString());
        Matcher repo = Folders.nearestMatching(file.toAbsolutePath().getParent(), REPOSITORY);
        if (!name.matches()) {
            return Provenance.unknown();
        }
        HookPoint hook = HookPoint.of(Integer.parseInt(name.group(1)), HookPoint.Kind.RESID_POST);
        return new Provenance(repo == null ? null : "Qwen/" + repo.group(1), hook, null, false, 0, null, null);
    }

    @Override
    public List<Dictionary> read(Path file) throws IOException {
        Matcher repo = Folders.nearestMatching(file.toAbsolutePath().getParent(), REPOSITORY);
        if (repo == null) {
            throw new DictionaryFormatException(
                    file,
                    "is a Qwen-Scope layer file, whose TopK k is named only by its repository folder"
                            + " (SAE-Res-Qwen3-8B-Base-W64K-L0_50: k = 50); keep it in that folder");
        }
        int k = Integer.parseInt(repo.group(3));
        Map<String, Tensor> t = TorchFile.readStateDict(file);
        DictionaryInfo info = new DictionaryInfo(
                provenanceOf(file), name(), Map.of("file", file.getFileName().toString(), "repository", repo.group(0)));
        // W_enc [d_sae, d_model] and W_dec [d_model, d_sae], as nn.Linear holds them
        StandardDictionary base = Tensors.fromLinearLayers(t, file, "W_enc", "b_enc", "W_dec", "b_dec", false, info);
        try {
            return List.of(new TopKDictionary(base, k));
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(file, e.getMessage());
        }
    }
}
