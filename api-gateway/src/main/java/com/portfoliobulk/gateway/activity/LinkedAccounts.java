package com.portfoliobulk.gateway.activity;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Whether an account is linked to a portfolio, read from the {@code directory} schema. (Named so as
 * not to clash with the directory feature's bean of the same class name.)
 */
@Component("activityLinkedAccounts")
class LinkedAccounts {

    private final JdbcClient jdbc;

    LinkedAccounts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    boolean isLinked(UUID portfolioId, UUID accountId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM directory.accounts WHERE id = ? AND portfolio_id = ?)")
                .params(accountId, portfolioId)
                .query(Boolean.class)
                .single();
    }
}
