package com.portfoliobulk.worker.activity;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Adds to activity events the names their portfolios configured for the custom account roles they
 * name, so that the activity log says "Regional lead", as the invitation e-mails do, not the code in
 * words. One statement for the events of a publication that name a custom role, none when they name
 * standard roles only. A role deleted since keeps its code.
 */
@Component
class CustomRoleNames {

    private final JdbcClient jdbc;

    CustomRoleNames(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<AccountActivityEvent> named(List<AccountActivityEvent> events) {
        Set<Role> custom = new LinkedHashSet<>();
        for (AccountActivityEvent event : events) {
            custom(event.portfolioId(), event.previousRole()).ifPresent(custom::add);
            custom(event.portfolioId(), event.newRole()).ifPresent(custom::add);
        }
        if (custom.isEmpty()) {
            return events;
        }
        List<UUID> portfolios = new ArrayList<>(custom.size());
        List<String> codes = new ArrayList<>(custom.size());
        custom.forEach(role -> {
            portfolios.add(role.portfolioId());
            codes.add(role.code());
        });
        Map<Role, String> names = new HashMap<>();
        jdbc.sql("""
                        SELECT r.portfolio_id, r.code, r.name
                          FROM unnest(:portfolios, :codes) AS k(portfolio_id, code)
                          JOIN jobs.account_roles r ON r.portfolio_id = k.portfolio_id AND r.code = k.code
                        """)
                .param("portfolios", PostgresArrays.uuids(portfolios))
                .param("codes", PostgresArrays.texts(codes))
                .query(row -> {
                    names.put(
                            new Role(row.getObject("portfolio_id", UUID.class), row.getString("code")),
                            row.getString("name"));
                });
        return events.stream()
                .map(event -> {
                    String previous = name(names, event.portfolioId(), event.previousRole());
                    String next = name(names, event.portfolioId(), event.newRole());
                    return previous == null && next == null ? event : event.withRoleNames(previous, next);
                })
                .toList();
    }

    private static Optional<Role> custom(UUID portfolioId, AccountRole role) {
        return role == null || role.isStandard() ? Optional.empty() : Optional.of(new Role(portfolioId, role.code()));
    }

    private static String name(Map<Role, String> names, UUID portfolioId, AccountRole role) {
        return custom(portfolioId, role).map(names::get).orElse(null);
    }

    /** A custom account role of a portfolio. */
    private record Role(UUID portfolioId, String code) {}
}
