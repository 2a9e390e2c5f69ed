package io.ovsfabric.agent.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Records every command and answers with a scripted result (exit 0, empty output unless told otherwise). */
final class RecordingCommandRunner implements CommandRunner {
    final List<List<String>> commands = new ArrayList<>();
    private final Function<Command, CommandResult> answer;

    RecordingCommandRunner(Function<Command, CommandResult> answer) {
        this.answer = answer;
    }

    RecordingCommandRunner() {
        this(c -> new CommandResult(c, 0, "", ""));
    }

    @Override
    public CommandResult run(Command command) {
        commands.add(command.argv());
        return answer.apply(command);
    }

    @Override
    public RunningCommand start(Command command) {
        throw new UnsupportedOperationException("not recorded");
    }
}
