package io.ovsfabric.ctl;

/** Placeholder entry point; replaced by the picocli command. */
public final class CtlMain {
    private CtlMain() {}

    public static void main(String[] args) {
        System.err.println("not implemented yet");
        System.exit(2);
    }
}
