package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalStackOptionsTests {

    @Test
    void defaultsToTheWellKnownPortsAndTheLocalStackDirectory() {
        LocalStackOptions options = LocalStackOptions.parse();

        assertThat(options).isEqualTo(LocalStackOptions.defaults());
        assertThat(options.dataDirectory()).isEqualTo(Path.of(".local-stack"));
        assertThat(options.gatewayPort()).isEqualTo(8080);
        assertThat(options.workerPort()).isEqualTo(8081);
        assertThat(options.auditPort()).isEqualTo(8082);
        assertThat(options.postgresPort()).isEqualTo(5433);
        assertThat(options.kafkaPort()).isEqualTo(9094);
        assertThat(options.reset()).isFalse();
        assertThat(options.jvmPerService()).isFalse();
        assertThat(options.relayJvm()).isFalse();
        assertThat(options.relayPort()).isEqualTo(8083);
        assertThat(options.largePortfolios()).isEmpty();
    }

    @Test
    void readsEveryOptionInBothSpellings() {
        LocalStackOptions options = LocalStackOptions.parse(
                "--reset",
                "--seed-large",
                "5000x20",
                "--seed-large=10x3",
                "--data-dir=/tmp/stack",
                "--gateway-port",
                "9080",
                "--worker-port=0",
                "--audit-port",
                "9082",
                "--postgres-port",
                "6543",
                "--kafka-port=19092",
                "--jvm-per-service",
                "--relay-jvm",
                "--relay-port=9083",
                "--stop-with",
                "4242",
                "--verbose");

        assertThat(options.reset()).isTrue();
        assertThat(options.largePortfolios())
                .containsExactly(new LoadTestPortfolio(5000, 20), new LoadTestPortfolio(10, 3));
        assertThat(options.dataDirectory()).isEqualTo(Path.of("/tmp/stack"));
        assertThat(options.gatewayPort()).isEqualTo(9080);
        assertThat(options.workerPort()).isZero();
        assertThat(options.auditPort()).isEqualTo(9082);
        assertThat(options.postgresPort()).isEqualTo(6543);
        assertThat(options.kafkaPort()).isEqualTo(19092);
        assertThat(options.jvmPerService()).isTrue();
        assertThat(options.relayJvm()).isTrue();
        assertThat(options.relayPort()).isEqualTo(9083);
        assertThat(options.verbose()).isTrue();
        assertThat(options.stopWith()).hasValue(4242);
        assertThat(LocalStackOptions.parse().stopWith()).isEmpty();
        assertThat(LocalStackOptions.parse("--help").help()).isTrue();
    }

    @Test
    void rejectsWhatItDoesNotUnderstandWithAMessage() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--rest"))
                .withMessage("Unknown option '--rest'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--gateway-port", "http"))
                .withMessageContaining("port number");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--seed-large"))
                .withMessage("Option --seed-large needs a value");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--seed-large", "5000"))
                .withMessageContaining("e.g. 5000x20");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--seed-large", "100000x100"))
                .withMessageContaining("At most");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--relay-port", "relay"))
                .withMessage("--relay-port needs a port number (0-65535), not 'relay'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--stop-with", "bench"))
                .withMessage("--stop-with needs a process id, not 'bench'");
    }

    @Test
    void runsTheTaskRelayInAJvmOfItsOwnOnlyWhenEachServiceHasOne() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--relay-jvm"))
                .withMessage("--relay-jvm needs --jvm-per-service: the task relay runs in a JVM of its own only"
                        + " when each service does");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LocalStackOptions.parse("--relay-jvm", "--relay-port", "9083"))
                .withMessageStartingWith("--relay-jvm needs --jvm-per-service");

        LocalStackOptions options = LocalStackOptions.parse("--relay-jvm", "--jvm-per-service");
        assertThat(options.relayJvm()).isTrue();
        assertThat(options.relayPort()).as("the default port").isEqualTo(8083);
        assertThat(options.withReset().relayJvm()).isTrue();
        assertThat(LocalStackOptions.parse("--jvm-per-service").relayJvm()).isFalse();
    }

    @Test
    void largePortfoliosHaveStableIdsAndTheirOwnDomain() {
        LoadTestPortfolio large = LoadTestPortfolio.parse("5000x20");

        assertThat(large.portfolioId())
                .isEqualTo(LoadTestPortfolio.parse("5000x20").portfolioId());
        assertThat(large.portfolioId())
                .isNotEqualTo(LoadTestPortfolio.parse("5000x21").portfolioId());
        assertThat(large.name()).isEqualTo("Load Test 5000x20");
        assertThat(large.leaverEmail()).isEqualTo("leaver@load-5000x20.example");
        assertThat(large.userPool()).isEqualTo(25_000);
    }
}
