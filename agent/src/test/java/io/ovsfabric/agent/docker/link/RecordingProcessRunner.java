package io.ovsfabric.agent.docker.link;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Records every argv and answers with a scripted result (exit 0 and empty output unless told otherwise). */
public final class RecordingProcessRunner implements ProcessRunner {
    private final List<List<String>> commands = new ArrayList<>();
    private Function<List<String>, Result> answer = argv -> new Result(0, "", "");

    public synchronized void answer(Function<List<String>, Result> answer) {
        this.answer = answer;
    }

    public synchronized List<String> lines() {
        return commands.stream().map(c -> String.join(" ", c)).toList();
    }

    @Override
    public synchronized Result run(List<String> argv) {
        commands.add(List.copyOf(argv));
        return answer.apply(argv);
    }
}
