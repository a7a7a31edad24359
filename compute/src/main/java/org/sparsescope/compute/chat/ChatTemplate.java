package org.sparsescope.compute.chat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELResolver;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.autointerp.ChatClient;

/**
 * How a model's chat messages become the text it reads: the Jinja template its release ships
 * ({@code chat_template.jinja}, or {@code chat_template} in {@code tokenizer_config.json}), rendered as transformers'
 * {@code apply_chat_template} does (trim_blocks and lstrip_blocks on; {@code messages}, {@code bos_token},
 * {@code eos_token}, {@code add_generation_prompt} and {@code raise_exception} bound; {@code enable_thinking} false). A model without a template (a
 * base model such as the reference Pythia) gets a plain one, {@code role: content} lines ending in
 * {@code assistant:}, and says so in {@link #fromModel()}.
 */
public final class ChatTemplate {
    /** What {@code raise_exception} in a template throws: the template's own refusal of the messages. */
    public static final class TemplateRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRefusal(String message) {
            super(message);
        }
    }

    static final String PLAIN = "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n\n"
            + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

    private static final long MAX_TEMPLATE_BYTES = 1 << 20;
    private static final long MAX_OUTPUT_CHARS = 16L << 20;

    private final Path source;
    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final boolean fromModel;
    private final Jinjava jinja;

    private ChatTemplate(Path source, String template, String bosToken, String eosToken, boolean fromModel) {
        this.source = source;
        this.template = pythonIdioms(template);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.fromModel = fromModel;
        this.jinja = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                // a template is a file the user gave: bounded in what it may build (real ones loop over messages)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withRangeLimit(1000)
                .withMaxListSize(100_000)
                .withMaxMapSize(10_000)
                .withMaxRenderDepth(10)
                .withMaxMacroRecursionDepth(20)
                .withElResolver(resolver())
                .withLegacyOverrides(LegacyOverrides.newBuilder() // Python Jinja's behaviour, which templates assume
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .withAllowAdjacentTextNodes(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build());
        jinja.getGlobalContext().registerTag(new BoundedFor());
        jinja.getGlobalContext()
                .registerFunction(new ELFunctionDefinition(
                        "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][A-Za-z0-9_.]*)\\[\\s*::\\s*-1\\s*\\]");

    /**
     * Python's slice {@code xs[::-1]}, which chat templates use to walk messages backwards, is not Jinjava's syntax:
     * it is rewritten to the {@code reverse} filter, which means the same.
     */
    static String pythonIdioms(String template) {
        return REVERSED.matcher(template).replaceAll("($1|reverse)");
    }

    private static ELResolver resolver() {
        CompositeELResolver r = new CompositeELResolver();
        r.add(new PythonMethods());
        r.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return r;
    }

    /** How long one rendering may take: real templates render in milliseconds. */
    static final long RENDER_MILLIS = 2000;

    /** The running render's deadline, and whether it was passed (per thread: renders may run concurrently). */
    private static final ThreadLocal<long[]> DEADLINE = new ThreadLocal<>();

    /**
     * Jinjava's {@code for}, checking the render's deadline each time a loop starts: a template of nested loops
     * built to run for hours (each loop's length is bounded by the range and list limits) stops within the deadline.
     */
    private static final class BoundedFor extends com.hubspot.jinjava.lib.tag.ForTag {
        private static final long serialVersionUID = 1L;

        @Override
        public String interpret(
                com.hubspot.jinjava.tree.TagNode node, com.hubspot.jinjava.interpret.JinjavaInterpreter interpreter) {
            long[] d = DEADLINE.get();
            if (d != null && (d[1] != 0 || System.nanoTime() > d[0])) {
                d[1] = 1;
                throw new TemplateRefusal("over " + RENDER_MILLIS / 1000 + " s");
            }
            return super.interpret(node, interpreter);
        }
    }

    /** Called by a template's {@code raise_exception(message)}. */
    public static String raiseException(String message) {
        throw new TemplateRefusal(message);
    }

    /** A template given as text (for a caller that has one; {@code source} names where it came from in errors). */
    public static ChatTemplate of(Path source, String template, String bosToken, String eosToken) {
        return new ChatTemplate(source, template, bosToken, eosToken, true);
    }

    /**
     * The template of a model folder: {@code chat_template.jinja}, else {@code tokenizer_config.json}'s
     * {@code chat_template} (a string, or a list of named templates of which "default" is taken), else the plain one.
     */
    public static ChatTemplate of(Path modelDir) throws IOException {
        Path config = modelDir.resolve("tokenizer_config.json");
        JsonInput in = JsonInput.of(config);
        JsonObject tc = Files.isRegularFile(config) ? in.readObject() : new JsonObject();
        String bos = tokenText(in, tc, "bos_token");
        String eos = tokenText(in, tc, "eos_token");
        Path jinjaFile = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinjaFile)) {
            if (Files.size(jinjaFile) > MAX_TEMPLATE_BYTES) {
                throw new InvalidInputException(jinjaFile, "a chat template of over 1 MiB is not a chat template");
            }
            return new ChatTemplate(jinjaFile, Files.readString(jinjaFile), bos, eos, true);
        }
        JsonElement t = tc.get("chat_template");
        if (t == null || t.isJsonNull()) {
            return new ChatTemplate(config, PLAIN, bos, eos, false);
        }
        if (t.isJsonPrimitive() && t.getAsJsonPrimitive().isString()) {
            return new ChatTemplate(config, t.getAsString(), bos, eos, true);
        }
        if (t.isJsonArray()) {
            for (JsonElement e : t.getAsJsonArray()) {
                if (e.isJsonObject()
                        && e.getAsJsonObject().has("name")
                        && "default".equals(in.str(e.getAsJsonObject(), "name", ""))) {
                    return new ChatTemplate(config, in.requiredString(e.getAsJsonObject(), "template"), bos, eos, true);
                }
            }
            throw in.error("chat_template lists no template named \"default\"");
        }
        throw in.error("chat_template must be a string or a list of named templates");
    }

    /** A special token as tokenizer_config.json spells it: a string, or an object with its "content". */
    private static String tokenText(JsonInput in, JsonObject tc, String key) throws InvalidInputException {
        JsonElement e = tc.get(key);
        if (e == null || e.isJsonNull()) {
            return "";
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            return in.requiredString(e.getAsJsonObject(), "content");
        }
        throw in.error(key + " must be a string or an object with \"content\"");
    }

    /** Whether the template is the model's own (false: the plain fallback of a model that ships none). */
    public boolean fromModel() {
        return fromModel;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    /**
     * The text of {@code messages}, ending where the assistant's answer begins when {@code addGenerationPrompt}.
     * A template that refuses the messages (its {@code raise_exception}) or fails to render is a typed error naming
     * the file.
     */
    public String render(List<ChatClient.Message> messages, boolean addGenerationPrompt) throws InvalidInputException {
        List<Map<String, Object>> ms = new ArrayList<>();
        for (ChatClient.Message m : messages) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            ms.add(o);
        }
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", ms);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        bindings.put("enable_thinking", false); // Qwen3's switch: an explainer answers, it need not think at length
        RenderResult r;
        long[] deadline = {System.nanoTime() + RENDER_MILLIS * 1_000_000L, 0};
        DEADLINE.set(deadline);
        try {
            r = jinja.renderForResult(template, bindings);
        } catch (TemplateRefusal e) {
            if (deadline[1] != 0) {
                throw tooSlow();
            }
            throw new InvalidInputException(source, "the chat template refuses these messages: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new InvalidInputException(source, "the chat template could not be rendered: " + e.getMessage(), e);
        } finally {
            DEADLINE.remove();
        }
        if (deadline[1] != 0) {
            throw tooSlow();
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String why = refusal(e);
                throw new InvalidInputException(
                        source,
                        why != null
                                ? "the chat template refuses these messages: " + why
                                : "the chat template could not be rendered: " + e.getMessage()
                                        + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""));
            }
        }
        return r.getOutput();
    }

    private InvalidInputException tooSlow() {
        return new InvalidInputException(
                source,
                "the chat template did not finish rendering within " + RENDER_MILLIS / 1000
                        + " s: not a chat template (a real one renders in milliseconds)");
    }

    /** The template's own refusal, when {@code raise_exception} is what stopped it. */
    private static String refusal(TemplateError e) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateRefusal refusal) {
                return refusal.getMessage();
            }
        }
        return null;
    }
}
