package com.portfoliobulk.gateway.console;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;

/**
 * The console's session table ({@code jobs.console_sessions}) holds each session id as its SHA-256
 * digest (hex), never as the id the cookie carries: someone who can read the database, its
 * write-ahead log or a backup cannot sign in as a live administrator by setting the cookie to a
 * stored value. The id is 128 random bits, so an unsalted digest cannot be reversed by guessing.
 *
 * <p>Spring Session JDBC's statements that take the id are replaced by ones that store and compare its
 * digest; PostgreSQL computes it, so a loaded session still carries the id the browser sent (the
 * cookie is not rewritten). Runs after Spring Boot's customizer, which sets the table name and with it
 * resets every statement. Listing sessions by principal name, which nothing here uses, would answer
 * the digests as ids.
 *
 * <p>An attribute is stored with PostgreSQL's upsert, as Spring Session's own customizer for PostgreSQL
 * does: two requests of one session answered at once that each add the same attribute (the flash that
 * carries a new secret to the page, from a form sent twice by a double click) store the later one's,
 * where the plain insert of the second failed on the first's row and answered the console's error page.
 */
@Configuration(proxyBeanMethods = false)
class HashedSessionIds {

    /** The stored form of the id bound at this place of a statement. */
    static final String DIGEST_OF_PARAMETER = "encode(sha256(convert_to(CAST(? AS text), 'UTF8')), 'hex')";

    @Bean
    SessionRepositoryCustomizer<JdbcIndexedSessionRepository> hashedSessionIdStatements() {
        return repository -> {
            repository.setCreateSessionQuery("""
                    INSERT INTO %TABLE_NAME% (PRIMARY_ID, SESSION_ID, CREATION_TIME, LAST_ACCESS_TIME,
                                              MAX_INACTIVE_INTERVAL, EXPIRY_TIME, PRINCIPAL_NAME)
                    VALUES (?, DIGEST, ?, ?, ?, ?, ?)
                    """.replace("DIGEST", DIGEST_OF_PARAMETER));
            repository.setGetSessionQuery("""
                    SELECT S.PRIMARY_ID, K.SESSION_ID, S.CREATION_TIME, S.LAST_ACCESS_TIME, S.MAX_INACTIVE_INTERVAL,
                           SA.ATTRIBUTE_NAME, SA.ATTRIBUTE_BYTES
                      FROM (SELECT CAST(? AS text) AS SESSION_ID) K
                      JOIN %TABLE_NAME% S
                        ON S.SESSION_ID = encode(sha256(convert_to(K.SESSION_ID, 'UTF8')), 'hex')
                      LEFT JOIN %TABLE_NAME%_ATTRIBUTES SA ON S.PRIMARY_ID = SA.SESSION_PRIMARY_ID
                    """);
            repository.setUpdateSessionQuery("""
                    UPDATE %TABLE_NAME%
                       SET SESSION_ID = DIGEST, LAST_ACCESS_TIME = ?, MAX_INACTIVE_INTERVAL = ?, EXPIRY_TIME = ?,
                           PRINCIPAL_NAME = ?
                     WHERE PRIMARY_ID = ?
                    """.replace("DIGEST", DIGEST_OF_PARAMETER));
            repository.setCreateSessionAttributeQuery("""
                    INSERT INTO %TABLE_NAME%_ATTRIBUTES (SESSION_PRIMARY_ID, ATTRIBUTE_NAME, ATTRIBUTE_BYTES)
                    VALUES (?, ?, ?)
                    ON CONFLICT (SESSION_PRIMARY_ID, ATTRIBUTE_NAME)
                    DO UPDATE SET ATTRIBUTE_BYTES = EXCLUDED.ATTRIBUTE_BYTES
                    """);
            repository.setDeleteSessionQuery("""
                    DELETE FROM %TABLE_NAME%
                     WHERE SESSION_ID = DIGEST
                       AND MAX_INACTIVE_INTERVAL >= 0
                    """.replace("DIGEST", DIGEST_OF_PARAMETER));
        };
    }
}
