package io.ovsfabric.agent.cli;

import java.io.PrintWriter;
import java.io.Writer;
import picocli.CommandLine;

/** Lets tests in other packages drive the agent's command line with captured output. */
public final class AgentMainAccess {
    private AgentMainAccess() {}

    public static CommandLine commandLine(Writer out, Writer err) {
        CommandLine cl = AgentMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }
}
