package io.ovsfabric.common;

/** Input that cannot be accepted; the message says what is wrong and what to do instead. */
public class InvalidInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }
}
