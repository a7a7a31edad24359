package org.sparsescope.app.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.sparsescope.compute.chat.ChatTemplate;
import org.sparsescope.compute.chat.LocalChatModel;
import org.sparsescope.compute.chat.OpenAiServer;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve a model folder through OpenAI's API (POST /v1/chat/completions and /v1/completions with "
                    + "log-probabilities, GET /v1/models) on 127.0.0.1, for autointerp here or any other tool. The "
                    + "model's own chat template renders messages (a base model without one gets 'role: content' "
                    + "lines). One request at a time; not streaming. Stop with Ctrl+C.",
            "With --dict and --steer 12:4.0 every answer is generated with the features steered at the "
                    + "dictionary's hook, as in generate."
        })
public final class ServeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "model folder (default: the dictionary's model with --dict)")
    Path model;

    @Option(names = "--port", defaultValue = "8000", description = "port (default ${DEFAULT-VALUE}; 0: any free one)")
    int port;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "address to listen on (default ${DEFAULT-VALUE}: this machine only)")
    String host;

    @Option(names = "--name", description = "the model name clients ask for (default: the model folder's name)")
    String name;

    @Option(names = "--dict", description = "dictionary whose features --steer names (at its own hook)")
    Path dict;

    @Option(names = "--steer", description = "feature:α pairs added at every position, e.g. 12:4.0,40:-2.0")
    String steer;

    @Option(
            names = "--workspace",
            description = "workspace (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspaceDir;

    @Override
    public Integer call() throws Exception {
        if (steer != null && dict == null) {
            throw new IllegalArgumentException("--steer names features of a dictionary: give --dict");
        }
        if (dict == null && model == null) {
            throw new IllegalArgumentException("give --model (or --dict, whose model is served)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be from 0 to 65535, not " + port);
        }
        var err = spec.commandLine().getErr();
        DictionaryInWorkspace target = null;
        if (dict != null) {
            target = DictionaryInWorkspace.of(dict, model, workspaceDir, 200_000);
        }
        try (LanguageModel lm = target != null ? target.loadModel() : ModelLoading.load(model, System.err);
                Interventions steering = steer != null
                        ? new Interventions(
                                lm, target.dictionary(), target.placement().at().hook())
                        : null) {
            Hooks hooks = steering != null
                    ? steering.replacing(Intervention.steer(steer, Intervention.SteerUnits.ABSOLUTE))
                    : Hooks.builder().build();
            String served = name != null ? name : lm.dir().getFileName().toString();
            ChatTemplate template = ChatTemplate.of(lm.dir());
            LocalChatModel chat = new LocalChatModel(lm, template, served, hooks);
            try (OpenAiServer server = new OpenAiServer(chat, new InetSocketAddress(host, port))) {
                var out = spec.commandLine().getOut();
                out.printf(
                        "serving %s as \"%s\" at %s%s%s%n",
                        lm.dir(),
                        served,
                        server.baseUrl(),
                        template.fromModel()
                                ? ""
                                : " (no chat template in the model: messages as 'role: content' lines)",
                        steering != null
                                ? ", steered " + steer + " at "
                                        + target.placement().at().hook()
                                : "");
                out.flush();
                err.flush();
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "serve-stop"));
                stop.await();
            }
        }
        return 0;
    }
}
