package org.sparsescope.compute.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.autointerp.ChatClient.Message;

/** Templates written here in the styles releases use (ChatML, Llama 3's headers, Gemma's turns), rendered exactly. */
class ChatTemplateTest {
    private static final List<Message> CHAT = List.of(new Message("system", "Be brief."), new Message("user", "Hi "));

    private static final String CHATML = """
            {%- for message in messages %}
                {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    /** With a namespace and a reversed walk, as Qwen3-style templates find the last user turn. */
    private static final String CHATML_LAST_USER = """
            {%- set ns = namespace(last_user=-1) %}
            {%- for message in messages[::-1] %}
                {%- if ns.last_user < 0 and message.role == "user" and not message.content.startswith('<tool') %}
                    {%- set ns.last_user = (messages|length - 1) - loop.index0 %}
                {%- endif %}
            {%- endfor %}
            {%- for message in messages %}
                {{- '<|im_start|>' + message.role + '\\n' + message.get('content', '')|trim }}
                {%- if loop.index0 == ns.last_user %}{{- ' (last)' }}{%- endif %}
                {{- '<|im_end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}""";

    private static final String HEADERS = "{{- bos_token }}{%- for message in messages %}"
            + "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim"
            + " + '<|eot_id|>' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

    private static final String TURNS = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'assistant' %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
            + "{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}";

    private static Path model(Path dir, String template) throws Exception {
        JsonObject tc = new JsonObject();
        tc.addProperty("chat_template", template);
        tc.addProperty("bos_token", "<bos>");
        JsonObject eos = new JsonObject(); // an AddedToken as older configs spell it
        eos.addProperty("content", "<eos>");
        eos.addProperty("lstrip", false);
        tc.add("eos_token", eos);
        Files.writeString(dir.resolve("tokenizer_config.json"), tc.toString());
        return dir;
    }

    @Test
    void aChatMlTemplateRendersTheMessagesAndTheGenerationPrompt(@TempDir Path dir) throws Exception {
        ChatTemplate t = ChatTemplate.of(model(dir, CHATML));
        assertTrue(t.fromModel());
        assertEquals("<eos>", t.eosToken());
        assertEquals(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi <|im_end|>\n<|im_start|>assistant\n",
                t.render(CHAT, true));
        assertEquals(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi <|im_end|>\n", t.render(CHAT, false));
    }

    @Test
    void namespacesReversedWalksAndStringMethodsWork(@TempDir Path dir) throws Exception {
        ChatTemplate t = ChatTemplate.of(model(dir, CHATML_LAST_USER));
        List<Message> m =
                List.of(new Message("user", "first"), new Message("assistant", "ok"), new Message("user", " second "));
        assertEquals(
                "<|im_start|>user\nfirst<|im_end|>\n<|im_start|>assistant\nok<|im_end|>\n"
                        + "<|im_start|>user\nsecond (last)<|im_end|>\n<|im_start|>assistant\n",
                t.render(m, true));
    }

    @Test
    void headersTemplateUsesTheBosTokenAndTrims(@TempDir Path dir) throws Exception {
        ChatTemplate t = ChatTemplate.of(model(dir, HEADERS));
        assertEquals(
                "<bos><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                t.render(CHAT, true));
    }

    @Test
    void aTemplateThatRaisesIsATypedErrorNamingTheFileAndItsReason(@TempDir Path dir) throws Exception {
        ChatTemplate t = ChatTemplate.of(model(dir, TURNS));
        assertEquals(
                "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
                t.render(List.of(new Message("user", "Hi")), true));
        var e = assertThrows(InvalidInputException.class, () -> t.render(CHAT, true));
        assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
        assertTrue(e.getMessage().contains("roles must alternate"), e.getMessage());
    }

    @Test
    void aSeparateJinjaFileWinsAndANamedListTakesItsDefault(@TempDir Path dir) throws Exception {
        JsonObject tc = new JsonObject();
        JsonArray list = new JsonArray();
        JsonObject tools = new JsonObject();
        tools.addProperty("name", "tool_use");
        tools.addProperty("template", "TOOLS");
        JsonObject def = new JsonObject();
        def.addProperty("name", "default");
        def.addProperty("template", "{% for m in messages %}[{{ m.content }}]{% endfor %}");
        list.add(tools);
        list.add(def);
        tc.add("chat_template", list);
        Files.writeString(dir.resolve("tokenizer_config.json"), tc.toString());
        assertEquals("[Be brief.][Hi ]", ChatTemplate.of(dir).render(CHAT, true));
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages|length }} messages");
        assertEquals("2 messages", ChatTemplate.of(dir).render(CHAT, true));
    }

    @Test
    void aModelWithoutATemplateGetsThePlainOneAndSaysSo(@TempDir Path dir) throws Exception {
        ChatTemplate t = ChatTemplate.of(dir);
        assertFalse(t.fromModel());
        assertEquals("system: Be brief.\n\nuser: Hi \n\nassistant:", t.render(CHAT, true));
    }

    @Test
    void aBrokenTemplateOrConfigIsATypedError(@TempDir Path dir) throws Exception {
        ChatTemplate t = ChatTemplate.of(model(dir, "{% for m in messages %}{{ m.content "));
        var e = assertThrows(InvalidInputException.class, () -> t.render(CHAT, true));
        assertTrue(e.getMessage().contains("could not be rendered"), e.getMessage());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": 3}");
        var e2 = assertThrows(InvalidInputException.class, () -> ChatTemplate.of(dir));
        assertTrue(e2.getMessage().contains("chat_template must be a string"), e2.getMessage());
    }

    @Test
    void aTemplateBuiltToExhaustTimeOrMemoryIsRefusedQuickly(@TempDir Path dir) throws Exception {
        String loops = "{% for i in range(1000000) %}{% for j in range(1000000) %}{% for k in range(1000000) %}"
                + "{% endfor %}{% endfor %}{% endfor %}";
        String bomb = "{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(100) %}{% set s = s ~ s %}{% endfor %}{{ s }}";
        for (String t : List.of(loops, bomb)) {
            ChatTemplate template = ChatTemplate.of(model(dir, t));
            long t0 = System.nanoTime();
            try {
                String out = template.render(CHAT, true);
                assertTrue(out.length() <= 16 << 20, "bounded output");
            } catch (InvalidInputException e) {
                assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
            }
            assertTrue((System.nanoTime() - t0) / 1e9 < 10, "within seconds");
        }
        var e = assertThrows(
                InvalidInputException.class,
                () -> ChatTemplate.of(model(dir, loops)).render(CHAT, true));
        assertTrue(e.getMessage().contains("did not finish rendering within 2 s"), e.getMessage());
    }
}
