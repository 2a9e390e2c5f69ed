package io.ovsfabric.controller.cli;

/** Placeholder entry point; replaced by the picocli command. */
public final class ControllerMain {
    private ControllerMain() {}

    public static void main(String[] args) {
        System.err.println("not implemented yet");
        System.exit(2);
    }
}
