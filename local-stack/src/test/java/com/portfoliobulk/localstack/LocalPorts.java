package com.portfoliobulk.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local ports of a process's TCP sockets, from Linux's {@code /proc}: which process holds the
 * other end of a connection a test's server accepted, known by its remote port.
 */
final class LocalPorts {

    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");

    private LocalPorts() {}

    /** The local ports of the TCP sockets (IPv4 and IPv6) process {@code pid} has open now. */
    static Set<Integer> of(long pid) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> descriptors = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path descriptor : (Iterable<Path>) descriptors::iterator) {
                try {
                    Matcher socket =
                            SOCKET.matcher(Files.readSymbolicLink(descriptor).toString());
                    if (socket.matches()) {
                        inodes.add(socket.group(1));
                    }
                } catch (IOException closedMeanwhile) {
                    // The descriptor was closed while listed.
                }
            }
        } catch (IOException gone) {
            return Set.of();
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            try {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table)).stream()
                        .skip(1)
                        .map(line -> line.trim().split("\\s+"))
                        .filter(fields -> fields.length > 9 && inodes.contains(fields[9]))
                        .map(fields -> Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16))
                        .forEach(ports::add);
            } catch (IOException noSuchTable) {
                // No IPv6 on this host.
            }
        }
        return ports;
    }
}
