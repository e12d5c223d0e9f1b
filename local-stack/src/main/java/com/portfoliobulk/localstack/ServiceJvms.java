package com.portfoliobulk.localstack;

import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.worker.WorkerApplication;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The three services each in a JVM of its own, as they are deployed, so that one service's garbage
 * collection pauses, heap and CPU never show in another's. Each JVM runs this JVM's class path (the
 * local stack's jar) with this JVM's options and the arguments {@link ServiceStack} would give the
 * service, read from its standard input (a pipe from this JVM) rather than its command line, which
 * anyone on the machine can list and which would show the database password and the services' shared
 * secret. It writes its log to {@code <logs>/<service>.log}, shows its errors on this JVM's console,
 * and stops when that pipe closes: when {@link #close()} closes it, and when this JVM ends in any way,
 * {@code kill -9} included. It ignores SIGINT, which Ctrl-C sends to every process of the terminal's
 * job at once: it stops when this JVM tells it, in {@link #close()}'s order. The task relay may run in
 * a gateway JVM of its own ({@code task-relay}), the api-gateway's then with the relay off.
 */
final class ServiceJvms implements RunningServices {

    /** The first argument of a service JVM's command line; the service's name and arguments follow. */
    static final String SERVICE_ARGUMENT = "--service-jvm";

    /** Starting three JVMs on a busy 2-core machine can take a minute. */
    private static final Duration STARTUP = Duration.ofMinutes(3);

    /** How long a service has to stop gracefully before it is killed. */
    private static final Duration SHUTDOWN = Duration.ofSeconds(60);

    /**
     * What a service JVM prints on its standard output once it is ready: then its port and token secret,
     * the secret in Base64 (of its UTF-8 bytes), so that spaces or characters the console's encoding
     * lacks cannot change it on the way.
     */
    private static final String READY = "@@portfolio-bulk-service-ready@@";

    /** The property that turns a gateway's task relay on or off. */
    private static final String RELAY_ENABLED = "bulk.gateway.relay.enabled";

    /**
     * The three services, and the gateway that only relays, by the name a service JVM is given on its
     * command line.
     */
    enum Service {
        GATEWAY("api-gateway", GatewayApplication::application),
        WORKER("bulk-worker", WorkerApplication::application),
        AUDIT("audit-consumer", AuditApplication::application),
        RELAY("task-relay", GatewayApplication::application);

        private final String serviceName;

        private final Supplier<SpringApplicationBuilder> application;

        Service(String serviceName, Supplier<SpringApplicationBuilder> application) {
            this.serviceName = serviceName;
            this.application = application;
        }

        String serviceName() {
            return serviceName;
        }

        static Service named(String name) {
            return Arrays.stream(values())
                    .filter(service -> service.serviceName.equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("No service named '" + name + "'"));
        }
    }

    private final ServiceJvm gateway;

    /** The gateway that relays the tasks, when it runs apart from the api-gateway. */
    private final Optional<ServiceJvm> relay;

    private final ServiceJvm worker;

    private final ServiceJvm audit;

    private ServiceJvms(ServiceJvm gateway, Optional<ServiceJvm> relay, ServiceJvm worker, ServiceJvm audit) {
        this.gateway = gateway;
        this.relay = relay;
        this.worker = worker;
        this.audit = audit;
    }

    /**
     * Starts the audit-consumer and the bulk-worker side by side, then the task relay if it runs
     * apart, then the api-gateway (which calls the worker and the audit-consumer), each logged in to
     * the database as its own role ({@link ServiceStack#withServiceRoles}), and returns once all
     * answer.
     *
     * @param settings where the infrastructure is, the ports and any extra properties per service
     * @param relayPort the port of a gateway JVM of its own that relays the tasks, on the loopback
     *     interface (0: any free port), the api-gateway's then with the relay off; empty: the
     *     api-gateway relays
     * @param logs the directory of the services' log files
     * @param verbose whether each service's every log line goes to the console too, not only its errors
     */
    static ServiceJvms start(ServiceStack.Settings settings, OptionalInt relayPort, Path logs, boolean verbose) {
        ServiceStack.Settings signed = ServiceStack.withServiceRoles(ServiceStack.withInternalSecret(settings));
        List<ServiceJvm> started = new ArrayList<>();
        try {
            ServiceJvm audit = ServiceJvm.start(
                    Service.AUDIT, signed, signed.auditPort(), signed.auditProperties(), logs, verbose);
            started.add(audit);
            ServiceJvm worker = ServiceJvm.start(
                    Service.WORKER, signed, signed.workerPort(), signed.workerProperties(), logs, verbose);
            started.add(worker);
            audit.awaitReady();
            worker.awaitReady();
            Map<String, Object> gatewayProperties =
                    ServiceStack.gatewayProperties(signed, audit.url("127.0.0.1"), worker.url("127.0.0.1"));
            Optional<ServiceJvm> relay = Optional.empty();
            if (relayPort.isPresent()) {
                // Started first, so that the api-gateway is ready once the tasks are relayed.
                Map<String, Object> relayProperties = new HashMap<>(gatewayProperties);
                relayProperties.put(RELAY_ENABLED, true);
                relayProperties.put("server.address", "127.0.0.1");
                ServiceJvm relaying =
                        ServiceJvm.start(Service.RELAY, signed, relayPort.getAsInt(), relayProperties, logs, verbose);
                started.add(relaying);
                relaying.awaitReady();
                relay = Optional.of(relaying);
                gatewayProperties.put(RELAY_ENABLED, false);
            }
            ServiceJvm gateway =
                    ServiceJvm.start(Service.GATEWAY, signed, signed.gatewayPort(), gatewayProperties, logs, verbose);
            started.add(gateway);
            gateway.awaitReady();
            return new ServiceJvms(gateway, relay, worker, audit);
        } catch (RuntimeException ex) {
            started.reversed().forEach(ServiceJvm::close);
            throw ex;
        }
    }

    private static Map<String, Object> logged(
            Map<String, Object> properties, Path logs, Service service, boolean verbose) {
        Map<String, Object> logged = new HashMap<>(properties);
        logged.putAll(LocalLogging.properties(logs.resolve(service.serviceName() + ".log"), verbose));
        // A service JVM closes its application context itself when it is told to stop (see serve).
        logged.put("spring.main.register-shutdown-hook", true);
        return logged;
    }

    @Override
    public String gatewayUrl() {
        return gateway.url("localhost");
    }

    @Override
    public String workerUrl() {
        return worker.url("127.0.0.1");
    }

    @Override
    public String auditUrl() {
        return audit.url("127.0.0.1");
    }

    @Override
    public Optional<String> relayUrl() {
        return relay.map(jvm -> jvm.url("127.0.0.1"));
    }

    @Override
    public Optional<String> tokenSecret() {
        return gateway.tokenSecret();
    }

    @Override
    public void close() {
        // Each stops gracefully and in turn: no new work, then no more tasks published, then no more
        // tasks applied, then the last entries.
        gateway.close();
        relay.ifPresent(ServiceJvm::close);
        List.of(worker, audit).forEach(ServiceJvm::close);
    }

    /**
     * A service JVM's main (the local stack's main hands it the command line after {@link
     * #SERVICE_ARGUMENT}: the service's name): reads the service's arguments from its standard input,
     * one a line up to an empty line, runs the service until that input ends, then closes it and
     * exits. It ignores SIGINT: Ctrl-C reaches the local stack's JVM too, whose shutdown closes that
     * input, the api-gateway's first.
     */
    static void serve(String[] args) throws IOException {
        Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
        Service service = Service.named(args[0]);
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<String> arguments = new ArrayList<>();
        for (String line = input.readLine(); line != null && !line.isEmpty(); line = input.readLine()) {
            arguments.add(line);
        }
        ConfigurableApplicationContext context = service.application.get().run(arguments.toArray(String[]::new));
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        String secret = context.getEnvironment().getProperty(TOKEN_SECRET_PROPERTY, "");
        PrintStream out = System.out;
        out.println(READY + " " + port
                + (secret.isBlank()
                        ? ""
                        : " " + Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8))));
        out.flush();
        try {
            while (input.read() >= 0) {
                // Nothing more is sent on this pipe; its end is the signal.
            }
        } catch (IOException closed) {
            // The same: the local stack is gone.
        }
        LoggerFactory.getLogger(ServiceJvms.class)
                .info("Stopping: the local stack closed this JVM's standard input (it is stopping, or gone)");
        context.close();
        System.exit(0);
    }

    /** One service's JVM, seen from the local stack's. */
    private static final class ServiceJvm {

        private final Service service;

        private final Process process;

        private final CompletableFuture<String[]> ready = new CompletableFuture<>();

        private ServiceJvm(Service service, Process process) {
            this.service = service;
            this.process = process;
        }

        /** Starts the service's JVM with the arguments {@link ServiceStack} gives it and its own log file. */
        static ServiceJvm start(
                Service service,
                ServiceStack.Settings settings,
                int port,
                Map<String, Object> properties,
                Path logs,
                boolean verbose) {
            return start(
                    service,
                    ServiceStack.arguments(
                            settings,
                            port,
                            logged(properties, logs, service, verbose),
                            service != Service.GATEWAY && service != Service.RELAY));
        }

        private static ServiceJvm start(Service service, String[] arguments) {
            for (String argument : arguments) {
                if (argument.contains("\n") || argument.contains("\r")) {
                    // Named by its property alone: its value may be a secret.
                    throw new IllegalArgumentException(
                            "The service argument " + argument.split("=", 2)[0] + " holds a line break");
                }
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions());
            command.addAll(launch());
            command.add(SERVICE_ARGUMENT);
            command.add(service.serviceName());
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException ex) {
                throw new UncheckedIOException("Could not start the " + service.serviceName() + " JVM", ex);
            }
            try {
                // Its arguments, one a line, then an empty line; the pipe stays open while it runs.
                Writer input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
                for (String argument : arguments) {
                    input.write(argument + "\n");
                }
                input.write("\n");
                input.flush();
            } catch (IOException ex) {
                process.destroyForcibly();
                throw new UncheckedIOException(
                        "Could not hand the " + service.serviceName() + " JVM its arguments", ex);
            }
            ServiceJvm jvm = new ServiceJvm(service, process);
            Thread.ofPlatform().daemon().name(service.serviceName() + "-output").start(jvm::relayOutput);
            return jvm;
        }

        /**
         * Waits for the ready line, passing on everything else the JVM prints (its console log) to
         * this one's console for as long as it runs: a pipe nobody reads would stop it once full.
         */
        private void relayOutput() {
            try (BufferedReader output =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = output.readLine()) != null) {
                    if (!ready.isDone() && line.startsWith(READY)) {
                        ready.complete(line.split(" "));
                    } else {
                        System.out.println(line);
                    }
                }
            } catch (IOException ex) {
                // The JVM is gone.
            }
            ready.completeExceptionally(new IllegalStateException("The " + service.serviceName()
                    + " JVM exited before it was ready; its log is " + service.serviceName() + ".log"));
        }

        void awaitReady() {
            try {
                ready.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException ex) {
                throw (RuntimeException) ex.getCause();
            } catch (TimeoutException ex) {
                throw new IllegalStateException(
                        "The " + service.serviceName() + " JVM was not ready within " + STARTUP.toSeconds() + " s");
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while the " + service.serviceName() + " JVM started");
            }
        }

        String url(String host) {
            return "http://" + host + ":" + ready.join()[1];
        }

        Optional<String> tokenSecret() {
            String[] line = ready.join();
            return line.length > 2
                    ? Optional.of(new String(Base64.getDecoder().decode(line[2]), StandardCharsets.UTF_8))
                    : Optional.empty();
        }

        /** Closes its standard input, waits for it to stop, and kills it if it does not in time. */
        void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(SHUTDOWN.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (IOException ex) {
                process.destroyForcibly();
            } catch (InterruptedException ex) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        /**
         * This JVM's options, for the service's JVM to run like it; a debugger's agent stays here (its
         * port would be taken). Log and recording file names may hold {@code %p}, the process id, to
         * keep one file per JVM.
         */
        private static List<String> jvmOptions() {
            return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(option -> !option.startsWith("-agentlib:jdwp"))
                    .toList();
        }

        /** How to start this JVM's main class again: from the local stack's jar, or from its class path. */
        private static List<String> launch() {
            String classPath = System.getProperty("java.class.path");
            if (isLocalStackJar(classPath)) {
                return List.of("-jar", classPath);
            }
            return List.of("-cp", classPath, LocalStack.class.getName());
        }

        private static boolean isLocalStackJar(String classPath) {
            Path path = Path.of(classPath);
            if (classPath.contains(File.pathSeparator) || !Files.isRegularFile(path)) {
                return false;
            }
            try (JarFile jar = new JarFile(path.toFile())) {
                return jar.getManifest() != null
                        && LocalStack.class
                                .getName()
                                .equals(jar.getManifest().getMainAttributes().getValue("Start-Class"));
            } catch (IOException ex) {
                return false;
            }
        }
    }
}
