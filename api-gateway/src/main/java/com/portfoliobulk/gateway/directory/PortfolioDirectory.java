package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.web.NotFoundException;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * The read side of the account directory as a portfolio administrator sees it: linked accounts,
 * users across them, one user's profile. Everything is looked up within the given portfolio, so
 * another portfolio's user or account answers 404 and its existence does not leak.
 */
@Service
class PortfolioDirectory {

    /** The list names of the directory's cursors: a cursor of one list is refused by another. */
    static final String ACCOUNTS = "accounts";

    static final String USERS = "users";

    static final String PROFILE_ACCOUNTS = "profile-accounts";

    private final LinkedAccounts accounts;

    private final PortfolioUsers users;

    private final UserProfiles profiles;

    PortfolioDirectory(LinkedAccounts accounts, PortfolioUsers users, UserProfiles profiles) {
        this.accounts = accounts;
        this.users = users;
        this.profiles = profiles;
    }

    Page<LinkedAccount> accounts(UUID portfolioId, String nameContains, PageRequest paging) {
        List<LinkedAccount> fetched = accounts.page(portfolioId, nameContains, paging);
        if (fetched.isEmpty()) {
            requirePortfolio(portfolioId);
        }
        return paging.page(fetched, account -> Cursor.of(ACCOUNTS, account.name(), account.accountId()));
    }

    Page<PortfolioUser> users(UUID portfolioId, UserFilter filter, PageRequest paging) {
        List<PortfolioUser> fetched = users.page(portfolioId, filter, paging);
        // Rows imply that the portfolio exists and the filtered account is linked to it; only an
        // empty answer needs telling apart from a missing portfolio or account.
        if (fetched.isEmpty()) {
            requirePortfolio(portfolioId);
            if (filter.accountId() != null && !accounts.isLinked(portfolioId, filter.accountId())) {
                throw notFound("Account " + filter.accountId() + " is not linked to portfolio " + portfolioId);
            }
        }
        return paging.page(fetched, user -> Cursor.of(USERS, user.email(), user.userId()));
    }

    UserProfile profile(UUID portfolioId, UUID userId, PageRequest paging) {
        UserProfile fetched = profiles.find(portfolioId, userId, paging)
                .orElseThrow(() -> notFound("User " + userId + " is not a user of portfolio " + portfolioId));
        return fetched.withAccounts(paging.page(
                fetched.accounts(),
                account -> Cursor.of(PROFILE_ACCOUNTS, account.accountName(), account.accountId())));
    }

    private void requirePortfolio(UUID portfolioId) {
        if (!accounts.portfolioExists(portfolioId)) {
            throw notFound("Portfolio " + portfolioId + " does not exist");
        }
    }

    private static NotFoundException notFound(String detail) {
        return new NotFoundException(detail + ".");
    }
}
