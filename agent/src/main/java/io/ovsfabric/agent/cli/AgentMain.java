package io.ovsfabric.agent.cli;

/** Placeholder entry point; replaced by the picocli command. */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) {
        System.err.println("not implemented yet");
        System.exit(2);
    }
}
