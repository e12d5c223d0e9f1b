package com.portfoliobulk.gateway.directory;

import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The codes of a portfolio's custom account roles: the one rule by which a role that is not a
 * standard one is accepted (bulk jobs, the users list's role filter) only when the portfolio defines it.
 */
@Component
public class CustomAccountRoles {

    private final JdbcClient jdbc;

    CustomAccountRoles(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The portfolio's custom account role codes, in order. */
    public List<String> codes(UUID portfolioId) {
        return jdbc.sql("SELECT code FROM jobs.account_roles WHERE portfolio_id = :portfolioId ORDER BY code")
                .param("portfolioId", portfolioId)
                .query(String.class)
                .list();
    }
}
