package io.ovsfabric.agent.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemd-analyze verify} of deploy/systemd (both units and docker's drop-in) in a throwaway root: the units go
 * to its /etc/systemd/system, the launchers of deploy/bin to /usr/lib/ovsfabric/bin (where the units run them), and the
 * machine's own unit directory and the other commands the units name are copied in, so every reference resolves and
 * any message is a real problem of the units (an unquoted {@code Environment=} value, an unknown key, a bad path).
 */
class SystemdUnitsTest {
    private static final Path DEPLOY = Path.of(System.getProperty("user.dir")).resolve("../deploy").normalize();
    private static final Pattern EXEC = Pattern.compile("^Exec[A-Za-z]*=[-@!+:]*(/[^\\s;']+)", Pattern.MULTILINE);
    private static final Pattern SHELL_PATH = Pattern.compile("(/usr/lib/ovsfabric/bin/[a-z-]+)");

    @TempDir
    Path root;

    @Test
    void unitsAndTheDockerDropInVerifyClean() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed (Debian: apt-get install systemd)");
        Path systemUnits = Path.of("/lib/systemd/system");
        assumeTrue(Files.isDirectory(systemUnits.resolve("sysinit.target").getParent()), "no systemd unit directory here");

        Path etc = Files.createDirectories(root.resolve("etc/systemd/system/docker.service.d"));
        List<Path> units = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("systemd"))) {
            for (Path unit : files.filter(f -> f.toString().endsWith(".service")).sorted().toList()) {
                units.add(Files.copy(unit, etc.getParent().resolve(unit.getFileName())));
            }
        }
        assertEquals(2, units.size(), "ovsfabric-agent.service and ovsfabric-controller.service");
        Files.copy(DEPLOY.resolve("systemd/docker.service.d/ovsfabric.conf"), etc.resolve("ovsfabric.conf"));
        copyTree(systemUnits, Files.createDirectories(root.resolve("usr/lib/systemd/system")));
        Path docker = root.resolve("usr/lib/systemd/system/docker.service");
        if (!Files.exists(docker)) {   // no Docker package here: a minimal docker.service for the drop-in to extend
            Files.writeString(docker, "[Unit]\nDescription=Docker\n[Service]\nExecStart=/usr/sbin/dockerd -H fd://\n");
        }
        units.add(docker);

        Path bin = Files.createDirectories(root.resolve("usr/lib/ovsfabric/bin"));
        try (Stream<Path> launchers = Files.list(DEPLOY.resolve("bin"))) {
            for (Path launcher : launchers.toList()) {
                Files.copy(launcher, bin.resolve(launcher.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Set<String> commands = new LinkedHashSet<>();
        for (Path unit : List.of(units.get(0), units.get(1), etc.resolve("ovsfabric.conf"), docker)) {
            String text = Files.readString(unit);
            Matcher m = EXEC.matcher(text);
            while (m.find()) {
                commands.add(m.group(1));
            }
            Matcher s = SHELL_PATH.matcher(text);
            while (s.find()) {
                assertTrue(Files.isExecutable(root.resolve(s.group(1).substring(1))), unit + " runs " + s.group(1)
                        + ", which deploy/bin does not provide");
            }
        }
        for (String command : commands) {
            Path target = root.resolve(command.substring(1));
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Files.createDirectories(target.getParent());
            if (Files.isExecutable(Path.of(command))) {
                Files.copy(Path.of(command), target);
            } else {   // not installed on this machine (dockerd on a build box): an executable stand-in
                Files.writeString(target, "#!/bin/sh\nexit 0\n");
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }

        List<String> argv = new ArrayList<>(List.of(analyze.toString(), "verify", "--root=" + root));
        units.forEach(u -> argv.add(u.toString()));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).directory(root.toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish within 60 s");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertFalse(output.contains("Invalid environment assignment"), output);
        assertEquals("", output.strip(), "systemd-analyze verify " + String.join(" ", argv) + " reported:\n" + output);
        assertEquals(0, process.exitValue(), output);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(p, target);
                }
            }
        }
    }
}
