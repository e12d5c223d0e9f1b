package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.portfoliobulk.gateway.GatewayApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A malformed {@code BULK_TRUSTED_PROXIES} stops the gateway at startup with a message naming the
 * setting, the bad entry and the expected form, not with Tomcat's own error.
 */
@ExtendWith(OutputCaptureExtension.class)
class TrustedProxiesStartupTests {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "10.0.0.0/8, 10.0.0.0/33     | \"10.0.0.0/33\" (The CIDR [33] is greater than the address length [32])",
                "10.0.0.0/8, 10.0.0.0/eight  | \"10.0.0.0/eight\" (The CIDR [eight] is not numeric)",
                "10.0.0.0/8,, ::1/128        | an empty entry",
                "10.0.3.7, 10.0.3.8          | without a prefix length (\"10.0.3.7, 10.0.3.8\")",
                "10\\.0\\.3\\.(7             | nor a valid regular expression (\"10\\.0\\.3\\.(7\": Unclosed group"
            })
    void aMalformedValueStopsTheGatewayNamingTheSettingTheEntryAndTheExpectedForm(String value, String naming) {
        Throwable failure = catchThrowable(() -> start(value).close());

        assertThat(failure).isNotNull();
        assertThat(rootCause(failure))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("BULK_TRUSTED_PROXIES")
                .hasMessageContaining("server.tomcat.remoteip.internal-proxies")
                .hasMessageContaining(naming)
                .hasMessageContaining("e.g. \"10.0.0.0/8, ::1/128\"");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0/8, 192.168.0.0/16, 169.254.0.0/16, 100.64.0.0/10, fc00::/7, 172.16.0.0/12, ::1/128,"
                        + " 127.0.0.0/8, fe80::/10",
                "10.0.3.7/32, 10.0.3.8",
                "10.0.3.7/32,",
                "10\\.0\\.3\\.7",
                "10\\.0\\.3\\.(7|8)",
                ""
            })
    void theFormsTheReadmeDescribesAreAccepted(String value) {
        assertThatCode(() -> TrustedProxies.check(value)).doesNotThrowAnyException();
    }

    @Test
    void theMessageOfAnEntryTomcatCannotReadQuotesIt() {
        assertThat(catchThrowable(() -> TrustedProxies.check("fc00::/7, ::1/129")))
                .hasMessageStartingWith("server.tomcat.remoteip.internal-proxies (BULK_TRUSTED_PROXIES) has an entry"
                        + " that is not a CIDR block: \"::1/129\"");
    }

    /**
     * The start's failure report names the variable, what is wrong and the forms it takes, as the
     * first thing the operator reads; before, it said that the web server could not start, the
     * reason at the end of the stack trace.
     */
    @Test
    void theFailedStartsReportNamesTheVariableAndWhatToSet(CapturedOutput output) {
        assertThat(catchThrowable(() -> start("10.0.3.7, 10.0.3.8").close())).isNotNull();

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Description:\n\nInvalid setting BULK_TRUSTED_PROXIES: " + TrustedProxies.SETTING
                        + " lists addresses without a prefix length")
                .contains("Action:\n\n" + TrustedProxies.EXPECTED);
    }

    /** The gateway as it is started in production, up to where it fails. */
    private static ConfigurableApplicationContext start(String trustedProxies) {
        return GatewayApplication.application()
                .properties("BULK_TRUSTED_PROXIES=" + trustedProxies, "server.port=0", "management.server.port=0")
                .run();
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
