package io.ovsfabric.common.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM text and files for certificates and private keys. Keys are written as unencrypted PKCS#8
 * ({@code PRIVATE KEY}, what netty and grpc read) with mode 0600 from the first byte; SEC1 ({@code EC PRIVATE KEY})
 * is read too. Every write goes to a temporary file in the same directory and is renamed into place, so a reader
 * sees the old file or the new one, never half of one. A key file that group or others may read is refused on
 * read, as ssh does.
 */
public final class PemFiles {
    /** The largest PEM file read; certificates and keys are a few KiB, a bigger file is a mistake. */
    static final int MAX_BYTES = 256 * 1024;

    /** Whether a write may replace an existing file. */
    public enum Overwrite { REFUSE, REPLACE }

    private static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

    private PemFiles() {}

    public static String encodeCertificates(List<X509Certificate> certs) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            for (X509Certificate cert : certs) {
                writer.writeObject(new PemObject("CERTIFICATE", cert.getEncoded()));
            }
        } catch (IOException | CertificateEncodingException e) {
            throw new PkiException("cannot encode a certificate as PEM", e);
        }
        return out.toString();
    }

    public static String encodePrivateKey(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        } catch (IOException e) {
            throw new PkiException("cannot encode a private key as PEM", e);
        }
        return out.toString();
    }

    /** Every certificate in the text, in order (leaf first for a chain); none at all is an error. */
    public static List<X509Certificate> parseCertificates(String pem, String source) {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object object : objectsIn(pem, source)) {
            if (object instanceof X509CertificateHolder holder) {
                try {
                    certs.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new PkiException(source + ": unreadable certificate", e);
                }
            }
        }
        if (certs.isEmpty()) {
            throw new PkiException(source + ": no CERTIFICATE in it");
        }
        return List.copyOf(certs);
    }

    /** The one private key in the text (other PEM objects, e.g. certificates in a combined file, are skipped). */
    public static PrivateKey parsePrivateKey(String pem, String source) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        PrivateKey found = null;
        for (Object object : objectsIn(pem, source)) {
            PrivateKey key;
            try {
                if (object instanceof PrivateKeyInfo info) {
                    key = converter.getPrivateKey(info);
                } else if (object instanceof PEMKeyPair pair) {
                    key = converter.getKeyPair(pair).getPrivate();
                } else if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new PkiException(source + ": the private key is encrypted; the fabric reads unencrypted"
                            + " keys protected by file mode 0600");
                } else {
                    continue;
                }
            } catch (IOException e) {
                throw new PkiException(source + ": unreadable private key", e);
            }
            if (found != null) {
                throw new PkiException(source + ": more than one private key in it");
            }
            found = key;
        }
        if (found == null) {
            throw new PkiException(source + ": no PRIVATE KEY in it");
        }
        return found;
    }

    public static List<X509Certificate> readCertificates(Path path) {
        return parseCertificates(read(path), path.toString());
    }

    /** Reads a key file, refusing one that group or others may read ({@code chmod 600} it). */
    public static PrivateKey readPrivateKey(Path path) {
        Set<PosixFilePermission> mode = permissions(path);
        if (mode != null && mode.stream().anyMatch(p -> !p.name().startsWith("OWNER_"))) {
            throw new PkiException(path + ": a private key readable by group or others (mode "
                    + PosixFilePermissions.toString(mode) + "); run chmod 600 " + path);
        }
        return parsePrivateKey(read(path), path.toString());
    }

    /** Writes a certificate (or any public PEM) with mode 0644. */
    public static void writePublic(Path path, String pem, Overwrite overwrite) {
        write(path, pem, PUBLIC, overwrite);
    }

    /** Writes a key (or a file holding one) with mode 0600; the bytes never exist in a wider-open file. */
    public static void writeSecret(Path path, String pem, Overwrite overwrite) {
        write(path, pem, SECRET, overwrite);
    }

    private static void write(Path path, String pem, Set<PosixFilePermission> mode, Overwrite overwrite) {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        if (overwrite == Overwrite.REFUSE && Files.exists(target)) {
            throw new PkiException(target + " already exists; remove it first or choose another path");
        }
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
            FileAttribute<?>[] attrs = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)} : new FileAttribute<?>[0];
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attrs);
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            if (posix) {
                Files.setPosixFilePermissions(tmp, mode);    // the umask may have narrowed 0644
            }
            if (overwrite == Overwrite.REFUSE) {
                try {
                    Files.createLink(target, tmp);           // fails if someone made the file meanwhile
                    Files.delete(tmp);
                } catch (UnsupportedOperationException e) {
                    Files.move(tmp, target);                 // no hard links here: refuses an existing file too
                }
            } else {
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            tmp = null;
        } catch (FileAlreadyExistsException e) {
            throw new PkiException(target + " already exists; remove it first or choose another path", e);
        } catch (IOException e) {
            throw new PkiException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed and says so; a stray .tmp is harmless
                }
            }
        }
    }

    private static Set<PosixFilePermission> permissions(Path path) {
        try {
            return Files.getPosixFilePermissions(path);
        } catch (UnsupportedOperationException e) {
            return null;
        } catch (IOException e) {
            throw new PkiException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path path) {
        try {
            if (Files.size(path) > MAX_BYTES) {
                throw new PkiException(path + ": larger than " + MAX_BYTES + " bytes, not a PEM certificate or key");
            }
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new PkiException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    static List<Object> objectsIn(String pem, String source) {
        if (pem.length() > MAX_BYTES) {
            throw new PkiException(source + ": larger than " + MAX_BYTES + " bytes");
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            throw new PkiException(source + ": not valid PEM (" + e.getMessage() + ")", e);
        }
        return objects;
    }
}
