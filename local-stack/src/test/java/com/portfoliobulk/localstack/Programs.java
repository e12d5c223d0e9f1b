package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the operators' programs (psql, Kafka's tools, Prometheus' and Alertmanager's checkers, the PostgreSQL exporter) as the tests' outsider. */
final class Programs {

    /** The Debian package of each program the tests run that the JDK does not bring. */
    private static final Map<String, String> PACKAGES =
            Map.of("psql", "postgresql-client", PostgresExporter.BINARY, "prometheus-postgres-exporter");

    private static final Pattern JDBC_URL = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)");

    private Programs() {}

    /**
     * Runs a project's SQL script with psql on the database, as its user, stopping at the first error;
     * {@code environment} adds the variables the script reads. Returns psql's output.
     */
    static String psql(DatabaseEndpoint database, String script, Map<String, String> environment) {
        return psql(database, script, environment, true);
    }

    /**
     * Runs a project's SQL script with psql on the database, as its user; {@code stopAtFirstError} false
     * runs it as {@code psql -f} does by default, on past a failed statement (psql then succeeds).
     */
    static String psql(
            DatabaseEndpoint database, String script, Map<String, String> environment, boolean stopAtFirstError) {
        Matcher url = JDBC_URL.matcher(database.jdbcUrl());
        assertThat(url.find()).as(database.jdbcUrl()).isTrue();
        Map<String, String> variables = new HashMap<>(environment);
        variables.put("PGPASSWORD", database.password());
        return run(
                List.of(
                        "psql",
                        "-X",
                        "-v",
                        "ON_ERROR_STOP=" + (stopAtFirstError ? 1 : 0),
                        "-h",
                        url.group(1),
                        "-p",
                        url.group(2),
                        "-U",
                        database.username(),
                        "-d",
                        url.group(3),
                        "-f",
                        ProjectFiles.file(script).toString()),
                variables);
    }

    /**
     * Runs an SQL file with psql on the database, as its user, stopping at the first error, with psql's
     * own variables set as {@code psql -v name=value} sets them (read as {@code :'name'}). Returns psql's
     * output; fails with it when psql fails.
     */
    static String psqlFile(DatabaseEndpoint database, Path file, Map<String, String> psqlVariables) {
        Matcher url = JDBC_URL.matcher(database.jdbcUrl());
        assertThat(url.find()).as(database.jdbcUrl()).isTrue();
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-v", "ON_ERROR_STOP=1"));
        psqlVariables.forEach((name, value) -> command.addAll(List.of("-v", name + "=" + value)));
        command.addAll(List.of(
                "-h",
                url.group(1),
                "-p",
                url.group(2),
                "-U",
                database.username(),
                "-d",
                url.group(3),
                "-f",
                file.toString()));
        return run(command, Map.of("PGPASSWORD", database.password()));
    }

    /** Runs a program in the project's root to its end and returns its output; it must succeed within a minute. */
    static String run(List<String> command, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(ProjectFiles.root().toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = start(builder);
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue())
                    .as("%s:%n%s", String.join(" ", command), output)
                    .isZero();
            return output;
        } catch (IOException ex) {
            throw new AssertionError(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** Starts a program, or fails naming the package that brings it. */
    static Process start(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException ex) {
            String program = builder.command().getFirst();
            throw new AssertionError(
                    program + " is not installed: install Debian's " + PACKAGES.getOrDefault(program, program)
                            + " package (.ci/run does)",
                    ex);
        }
    }
}
