package io.ovsfabric.common.pki;

import java.util.regex.Pattern;

/**
 * The token an operator pastes into {@code ovsfabric-agent run --join-token <id>.<secret>}, kubeadm-style: a
 * 6-character id (public: it names the token in lists and logs) and a 24-character secret (about 124 bits; only
 * its hash is kept by the controller). Both use {@code [a-z0-9]}, so the token survives shells, YAML and e-mail.
 * {@link #toString()} never shows the secret; {@link #reveal()} does, once, for the operator.
 */
public record JoinToken(String id, String secret) {
    public static final int ID_LENGTH = 6;
    public static final int SECRET_LENGTH = 24;
    static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final Pattern ID = Pattern.compile("[a-z0-9]{" + ID_LENGTH + "}");
    private static final Pattern SECRET = Pattern.compile("[a-z0-9]{" + SECRET_LENGTH + "}");

    public JoinToken {
        if (id == null || !ID.matcher(id).matches()) {
            throw new PkiException("a join token id is " + ID_LENGTH + " characters of [a-z0-9]");
        }
        if (secret == null || !SECRET.matcher(secret).matches()) {
            throw new PkiException("a join token secret is " + SECRET_LENGTH + " characters of [a-z0-9]");
        }
    }

    /** Parses {@code <id>.<secret>}; the message never echoes the input (it may be a mistyped secret). */
    public static JoinToken parse(String text) {
        int dot = text == null ? -1 : text.indexOf('.');
        if (dot != ID_LENGTH || text.length() != ID_LENGTH + 1 + SECRET_LENGTH) {
            throw new PkiException("a join token looks like abcdef.0123456789abcdefghijklmn (" + ID_LENGTH
                    + " + " + SECRET_LENGTH + " characters of [a-z0-9]), as 'ovsfabricctl token create' prints it");
        }
        return new JoinToken(text.substring(0, dot), text.substring(dot + 1));
    }

    /** The pasteable form, secret included: print it once to the operator, never log it. */
    public String reveal() {
        return id + "." + secret;
    }

    @Override
    public String toString() {
        return "JoinToken[" + id + ".<secret>]";
    }
}
