package com.portfoliobulk.servicesupport.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * The connection PostgreSQL refuses for a session setting it does not know is recognized, and the line
 * logged for it names the setting and what to do: for the gateway's {@code
 * restrict_nonsystem_relation_kind}, the minor releases that have it. The message is the driver's, as
 * a server before 16.4 answers the gateway's default options.
 */
class UnknownSessionSettingTests {

    @Test
    void theGatewaysSettingOnAnOlderMinorReleaseNamesTheReleasesThatHaveIt() {
        SQLException refused = new PSQLException(
                "FATAL: unrecognized configuration parameter \"restrict_nonsystem_relation_kind\"",
                PSQLState.UNDEFINED_OBJECT);

        assertThat(UnknownSessionSetting.explanation(refused))
                .hasValueSatisfying(line -> assertThat(line)
                        .contains(
                                "does not know the setting \"restrict_nonsystem_relation_kind\"",
                                "BULK_DB_SESSION_OPTIONS",
                                "from 12.20, 13.16, 14.13, 15.8 and 16.4 on, and in every 17",
                                "upgrade PostgreSQL to its latest minor release",
                                "keep the setting")
                        .doesNotContain("\n"));
    }

    @Test
    void anotherSettingIsNamedWithTheGeneralFix() {
        SQLException refused = new PSQLException(
                "FATAL: unrecognized configuration parameter \"client_connection_check_interval\"",
                PSQLState.UNDEFINED_OBJECT);

        assertThat(UnknownSessionSetting.explanation(refused))
                .hasValueSatisfying(line -> assertThat(line)
                        .contains(
                                "does not know the setting \"client_connection_check_interval\"",
                                "Upgrade PostgreSQL to a release that has it",
                                "or leave it out of BULK_DB_SESSION_OPTIONS")
                        .doesNotContain("12.20"));
    }

    @Test
    void aServerAnsweringInAnotherLanguageIsRecognizedByItsState() {
        SQLException refused = new SQLException(
                "FATAL: Konfigurationsparameter »restrict_nonsystem_relation_kind« nicht erkannt", "42704");

        assertThat(UnknownSessionSetting.explanation(refused))
                .hasValueSatisfying(line -> assertThat(line).contains("does not know a setting"));
    }

    @Test
    void otherRefusalsAreNotTakenForIt() {
        assertThat(UnknownSessionSetting.explanation(new PSQLException(
                        "FATAL: password authentication failed for user \"bulk_gateway\"", PSQLState.INVALID_PASSWORD)))
                .isEmpty();
        assertThat(UnknownSessionSetting.explanation(
                        new PSQLException("Connection refused", PSQLState.CONNECTION_UNABLE_TO_CONNECT)))
                .isEmpty();
        assertThat(UnknownSessionSetting.explanation(new SQLException("no state")))
                .isEmpty();
    }
}
