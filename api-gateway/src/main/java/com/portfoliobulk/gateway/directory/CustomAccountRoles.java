package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.OneLineNames;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The codes of a portfolio's custom account roles: the one rule by which a role that is not a
 * standard one is accepted (bulk jobs, the users list's role filter) only when the portfolio defines it;
 * and their configured names, as pages show them.
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

    /**
     * Keeps the portfolio's custom account roles with these codes from being deleted until the
     * transaction ends ({@code FOR SHARE}; a deletion locks the role and waits).
     *
     * @return how many of them exist
     */
    public int keep(UUID portfolioId, String[] codes) {
        return jdbc.sql("""
                        SELECT code FROM jobs.account_roles WHERE portfolio_id = :portfolioId AND code = ANY(:codes)
                        ORDER BY code FOR SHARE
                        """)
                .param("portfolioId", portfolioId)
                .param("codes", PostgresArrays.texts(codes))
                .query(String.class)
                .list()
                .size();
    }

    /**
     * The portfolio's custom account roles' configured names, by code, in code order; a name stored
     * before names were one line with each line break and direction control as U+FFFD
     * ({@link OneLineNames#shown}), as the users list, the e-mails and the logs show it.
     */
    public Map<String, String> names(UUID portfolioId) {
        Map<String, String> names = new LinkedHashMap<>();
        jdbc.sql("SELECT code, name FROM jobs.account_roles WHERE portfolio_id = :portfolioId ORDER BY code")
                .param("portfolioId", portfolioId)
                .query(rs -> {
                    names.put(rs.getString("code"), OneLineNames.shown(rs.getString("name")));
                });
        return names;
    }
}
