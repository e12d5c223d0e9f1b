package com.portfoliobulk.localstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The command line of the local run ({@code ./run-local.sh [options]}).
 *
 * @param dataDirectory where PostgreSQL's and Kafka's data live between runs
 * @param reset whether to wipe the data directory before starting
 * @param largePortfolios extra load-test portfolios to seed, if not there yet
 * @param gatewayPort the api-gateway's port (0: any free port)
 * @param workerPort the bulk-worker's port (0: any free port)
 * @param auditPort the audit-consumer's port (0: any free port)
 * @param postgresPort the embedded PostgreSQL's port (0: any free port)
 * @param kafkaPort the embedded Kafka broker's port (0: any free port)
 * @param smtpPort the in-process SMTP server's port, where the worker sends invitation e-mails (0: any free port)
 * @param mailboxPort the port of the HTTP endpoint listing the received e-mails (0: any free port)
 * @param jvmPerService whether each service runs in a JVM of its own, as deployed, instead of in the
 *     local stack's
 * @param relayJvm whether the task relay runs in a gateway JVM of its own ({@code task-relay}) and the
 *     api-gateway JVM with the relay off; only with {@code jvmPerService}
 * @param relayPort the task-relay JVM's port (0: any free port), when it runs
 * @param verbose whether every log line goes to the console too, not only to the log file
 * @param stopWith the process whose exit stops the local stack, if any ({@code --stop-with}): the program
 *     that started it, so that a {@code kill -9} of that program leaves nothing running
 * @param help whether only the usage was asked for
 */
public record LocalStackOptions(
        Path dataDirectory,
        boolean reset,
        List<LoadTestPortfolio> largePortfolios,
        int gatewayPort,
        int workerPort,
        int auditPort,
        int postgresPort,
        int kafkaPort,
        int smtpPort,
        int mailboxPort,
        boolean jvmPerService,
        boolean relayJvm,
        int relayPort,
        boolean verbose,
        OptionalLong stopWith,
        boolean help) {

    public static final Path DEFAULT_DATA_DIRECTORY = Path.of(".local-stack");

    public static final int DEFAULT_POSTGRES_PORT = 5433;

    public static final int DEFAULT_KAFKA_PORT = 9094;

    public static final int DEFAULT_SMTP_PORT = 3025;

    public static final int DEFAULT_MAILBOX_PORT = 8025;

    static final String USAGE = """
            Usage: ./run-local.sh [options]

            Runs PostgreSQL 17, a Kafka broker (KRaft) and the three services in one JVM, seeds the
            demo portfolio, prints the gateway URL and an administrator token. Ctrl-C stops everything.

              --reset                  wipe the data directory first (fresh database, broker and demo data)
              --seed-large AxU         also seed a load-test portfolio of A accounts with U users each,
                                       e.g. --seed-large 5000x20 (repeatable; skipped when it exists)
              --data-dir DIR           data directory (default .local-stack)
              --gateway-port N         api-gateway port (default 8080)
              --worker-port N          bulk-worker port (default 8081)
              --audit-port N           audit-consumer port (default 8082)
              --postgres-port N        embedded PostgreSQL port (default 5433)
              --kafka-port N           embedded Kafka port (default 9094)
              --smtp-port N            in-process SMTP server receiving the e-mails (default 3025)
              --mailbox-port N         HTTP listing of the received e-mails (default 8025)
              --jvm-per-service        run each service in a JVM of its own, as deployed, with this
                                       JVM's options (write %p, the process id, in a log file name);
                                       their logs are <data-dir>/logs/<service>.log
              --relay-jvm              (with --jvm-per-service) relay the tasks to Kafka from a gateway
                                       JVM of its own, task-relay, on the loopback interface; the
                                       api-gateway JVM runs with the relay off
              --relay-port N           task-relay port (default 8083; with --relay-jvm)
              --verbose                log everything to the console too (default: errors only;
                                       the full log is in <data-dir>/logs/local-stack.log)
              --stop-with PID          stop everything (as Ctrl-C does) once process PID has exited,
                                       even when it was killed (kill -9): the program that started
                                       this one passes its own process id (the benchmark does)
              --no-build               (run-local.sh) start without building first
              --help                   show this help
            """;

    public LocalStackOptions {
        largePortfolios = List.copyOf(largePortfolios);
        if (relayJvm && !jvmPerService) {
            throw new IllegalArgumentException(
                    "--relay-jvm needs --jvm-per-service: the task relay runs in a JVM of its own only when"
                            + " each service does");
        }
    }

    /** The defaults of the run command: fixed well-known ports and {@code .local-stack/}. */
    public static LocalStackOptions defaults() {
        return new LocalStackOptions(
                DEFAULT_DATA_DIRECTORY,
                false,
                List.of(),
                8080,
                8081,
                8082,
                DEFAULT_POSTGRES_PORT,
                DEFAULT_KAFKA_PORT,
                DEFAULT_SMTP_PORT,
                DEFAULT_MAILBOX_PORT,
                false,
                false,
                8083,
                false,
                OptionalLong.empty(),
                false);
    }

    /** Everything on free ports in the given directory, as tests run it. */
    public static LocalStackOptions onFreePorts(Path dataDirectory) {
        return new LocalStackOptions(
                dataDirectory,
                false,
                List.of(),
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                false,
                false,
                0,
                false,
                OptionalLong.empty(),
                false);
    }

    /** The same options with {@code --reset}. */
    public LocalStackOptions withReset() {
        return new LocalStackOptions(
                dataDirectory,
                true,
                largePortfolios,
                gatewayPort,
                workerPort,
                auditPort,
                postgresPort,
                kafkaPort,
                smtpPort,
                mailboxPort,
                jvmPerService,
                relayJvm,
                relayPort,
                verbose,
                stopWith,
                help);
    }

    /**
     * Parses the command line; {@code --name value} and {@code --name=value} are both accepted.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value, with a message for the user
     */
    public static LocalStackOptions parse(String... args) {
        LocalStackOptions defaults = defaults();
        Path dataDirectory = defaults.dataDirectory();
        boolean reset = false;
        List<LoadTestPortfolio> large = new ArrayList<>();
        int gatewayPort = defaults.gatewayPort();
        int workerPort = defaults.workerPort();
        int auditPort = defaults.auditPort();
        int postgresPort = defaults.postgresPort();
        int kafkaPort = defaults.kafkaPort();
        int smtpPort = defaults.smtpPort();
        int mailboxPort = defaults.mailboxPort();
        boolean jvmPerService = false;
        boolean relayJvm = false;
        int relayPort = defaults.relayPort();
        boolean verbose = false;
        OptionalLong stopWith = OptionalLong.empty();
        boolean help = false;
        List<String> arguments = new ArrayList<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                arguments.add(arg.substring(0, equals));
                arguments.add(arg.substring(equals + 1));
            } else if (!arg.isBlank()) {
                arguments.add(arg);
            }
        }
        for (int i = 0; i < arguments.size(); i++) {
            String option = arguments.get(i);
            switch (option) {
                case "--reset" -> reset = true;
                case "--verbose" -> verbose = true;
                case "--jvm-per-service" -> jvmPerService = true;
                case "--relay-jvm" -> relayJvm = true;
                case "--help", "-h" -> help = true;
                case "--seed-large" -> large.add(LoadTestPortfolio.parse(value(arguments, ++i, option)));
                case "--data-dir" -> dataDirectory = Path.of(value(arguments, ++i, option));
                case "--gateway-port" -> gatewayPort = port(value(arguments, ++i, option), option);
                case "--worker-port" -> workerPort = port(value(arguments, ++i, option), option);
                case "--audit-port" -> auditPort = port(value(arguments, ++i, option), option);
                case "--postgres-port" -> postgresPort = port(value(arguments, ++i, option), option);
                case "--kafka-port" -> kafkaPort = port(value(arguments, ++i, option), option);
                case "--smtp-port" -> smtpPort = port(value(arguments, ++i, option), option);
                case "--mailbox-port" -> mailboxPort = port(value(arguments, ++i, option), option);
                case "--relay-port" -> relayPort = port(value(arguments, ++i, option), option);
                case "--stop-with" -> stopWith = OptionalLong.of(processId(value(arguments, ++i, option), option));
                default -> throw new IllegalArgumentException("Unknown option '" + option + "'");
            }
        }
        return new LocalStackOptions(
                dataDirectory,
                reset,
                large,
                gatewayPort,
                workerPort,
                auditPort,
                postgresPort,
                kafkaPort,
                smtpPort,
                mailboxPort,
                jvmPerService,
                relayJvm,
                relayPort,
                verbose,
                stopWith,
                help);
    }

    private static String value(List<String> arguments, int index, String option) {
        if (index >= arguments.size() || arguments.get(index).startsWith("--")) {
            throw new IllegalArgumentException("Option " + option + " needs a value");
        }
        return arguments.get(index);
    }

    private static long processId(String value, String option) {
        try {
            long pid = Long.parseLong(value);
            if (pid <= 0) {
                throw new NumberFormatException();
            }
            return pid;
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(option + " needs a process id, not '" + value + "'");
        }
    }

    private static int port(String value, String option) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(option + " needs a port number (0-65535), not '" + value + "'");
        }
    }
}
