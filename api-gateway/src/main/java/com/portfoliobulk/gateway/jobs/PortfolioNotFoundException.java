package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.web.Problems;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/** The portfolio of the path does not exist: 404. */
public class PortfolioNotFoundException extends ErrorResponseException {

    public PortfolioNotFoundException(UUID portfolioId) {
        super(
                HttpStatus.NOT_FOUND,
                Problems.of(
                        HttpStatus.NOT_FOUND,
                        Problems.NOT_FOUND,
                        "Portfolio not found",
                        "There is no portfolio " + portfolioId + ".",
                        List.of()),
                null);
    }
}
