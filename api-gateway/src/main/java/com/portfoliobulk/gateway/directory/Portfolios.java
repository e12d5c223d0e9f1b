package com.portfoliobulk.gateway.directory;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Whether the account directory holds a portfolio: a path naming one it does not answers 404, also
 * where the caller's permissions come from their token's claims and so name any portfolio.
 */
@Repository
public class Portfolios {

    private final JdbcClient jdbc;

    Portfolios(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public boolean exists(UUID portfolioId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM directory.portfolios WHERE id = :portfolioId)")
                .param("portfolioId", portfolioId)
                .query(Boolean.class)
                .single();
    }

    /**
     * Nothing when the directory holds the portfolio.
     *
     * @throws PortfolioNotFoundException when it does not (404)
     */
    public void require(UUID portfolioId) {
        if (!exists(portfolioId)) {
            throw new PortfolioNotFoundException(portfolioId);
        }
    }
}
