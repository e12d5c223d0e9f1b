package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.gateway.web.NotFoundException;
import java.util.UUID;

/** The portfolio of the path does not exist. */
public class PortfolioNotFoundException extends NotFoundException {

    public PortfolioNotFoundException(UUID portfolioId) {
        super("There is no portfolio " + portfolioId + ".");
    }
}
