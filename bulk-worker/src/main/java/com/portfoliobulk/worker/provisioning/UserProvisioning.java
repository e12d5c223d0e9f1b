package com.portfoliobulk.worker.provisioning;

import com.portfoliobulk.contracts.EmailAddresses;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Creates directory users for an identity provider (SCIM). A created user has no membership: no
 * access to any account until an administrator invites them. It is not marked {@code idp_managed}:
 * that locks a user's access for administrators, and the identity provider gives no access here (it
 * creates, deactivates and deletes users), so a user created locked could never be given any. Idempotent per address: an address that already has a user answers that user
 * ({@code INSERT ... ON CONFLICT DO NOTHING}, then read), so a retried or concurrent creation never
 * makes a second one.
 */
@Service
class UserProvisioning {

    private final JdbcClient jdbc;

    UserProvisioning(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The user with this address, created when there is none.
     *
     * @param email an address by {@link EmailAddresses}; stored as it stores addresses (lower-cased, a
     *     Unicode domain in its xn-- form)
     */
    ProvisionedUser provision(String email) {
        String address = EmailAddresses.stored(email.strip())
                .orElseThrow(() -> new IllegalArgumentException("Not an e-mail address by the rule"));
        int inserted = jdbc.sql("""
                        INSERT INTO directory.users (id, email, idp_managed) VALUES (:id, :email, false)
                        ON CONFLICT (email) DO NOTHING
                        """)
                .param("id", UUID.randomUUID())
                .param("email", address)
                .update();
        UUID userId = jdbc.sql("SELECT id FROM directory.users WHERE email = :email")
                .param("email", address)
                .query(UUID.class)
                .single();
        return new ProvisionedUser(userId, address, inserted == 1);
    }

    /**
     * @param userId the user
     * @param email their address, as stored
     * @param created whether this call created them
     */
    record ProvisionedUser(UUID userId, String email, boolean created) {}
}
