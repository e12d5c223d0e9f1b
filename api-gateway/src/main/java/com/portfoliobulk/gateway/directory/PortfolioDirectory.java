package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.web.ItemCursors;
import com.portfoliobulk.gateway.web.NotFoundException;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * The read side of the account directory as a portfolio administrator sees it: linked accounts,
 * users across them, one user's profile. Everything is looked up within the given portfolio, so
 * another portfolio's user or account answers 404 and its existence does not leak. The lists are
 * sorted by e-mail address or name, which their cursors do not carry: a cursor names the last item
 * ({@link Cursor#ofItem}), signed ({@link ItemCursors}), so a cursor naming another portfolio's user
 * or account is refused like any other text before the item is read.
 */
@Service
class PortfolioDirectory {

    /** The list names of the directory's cursors: a cursor of one list is refused by another. */
    static final String ACCOUNTS = "accounts";

    static final String USERS = "users";

    static final String PROFILE_ACCOUNTS = "profile-accounts";

    /** A user's profile with only the accounts where they have a membership: its own list. */
    static final String PROFILE_MEMBERSHIPS = "profile-memberships";

    /** The list of a user's profile accounts that {@code listed} asks for. */
    static String profileList(UserProfile.Listed listed) {
        return listed == UserProfile.Listed.MEMBERSHIP ? PROFILE_MEMBERSHIPS : PROFILE_ACCOUNTS;
    }

    private final LinkedAccounts accounts;

    private final PortfolioUsers users;

    private final UserProfiles profiles;

    private final Portfolios portfolios;

    private final ItemCursors cursors;

    PortfolioDirectory(
            LinkedAccounts accounts,
            PortfolioUsers users,
            UserProfiles profiles,
            Portfolios portfolios,
            ItemCursors cursors) {
        this.accounts = accounts;
        this.users = users;
        this.profiles = profiles;
        this.portfolios = portfolios;
        this.cursors = cursors;
    }

    Page<LinkedAccount> accounts(UUID portfolioId, String nameContains, PageRequest paging) {
        cursors.check(paging);
        List<LinkedAccount> fetched = accounts.page(portfolioId, nameContains, paging);
        if (fetched.isEmpty()) {
            portfolios.require(portfolioId);
            requireAccountAfter(paging);
        }
        return paging.page(fetched, account -> cursors.after(Cursor.list(ACCOUNTS, portfolioId), account.accountId()));
    }

    Page<PortfolioUser> users(UUID portfolioId, UserFilter filter, PageRequest paging) {
        cursors.check(paging);
        List<PortfolioUser> fetched = users.page(portfolioId, filter, paging);
        // Rows imply that the portfolio exists and the filtered account is linked to it; only an
        // empty answer needs telling apart from a missing portfolio or account.
        if (fetched.isEmpty()) {
            portfolios.require(portfolioId);
            if (filter.accountId() != null && !accounts.isLinked(portfolioId, filter.accountId())) {
                throw notFound("Account " + filter.accountId() + " is not linked to portfolio " + portfolioId);
            }
            if (paging.after() != null && !users.exists(paging.after().item())) {
                throw InvalidPageRequestException.itemGone();
            }
        }
        return paging.page(fetched, user -> cursors.after(Cursor.list(USERS, portfolioId), user.userId()));
    }

    UserProfile profile(UUID portfolioId, UUID userId, UserProfile.Listed listed, PageRequest paging) {
        cursors.check(paging);
        UserProfile fetched = profiles.find(portfolioId, userId, listed, paging)
                .orElseThrow(() -> notFound("User " + userId + " is not a user of portfolio " + portfolioId));
        if (fetched.items().isEmpty()) {
            requireAccountAfter(paging);
        }
        return fetched.withAccounts(paging.page(
                fetched.items(),
                account -> cursors.after(Cursor.list(profileList(listed), portfolioId, userId), account.accountId())));
    }

    /**
     * Refuses a cursor naming an account the directory no longer holds: the empty page it gave is no
     * last page, there is no place to continue from.
     */
    private void requireAccountAfter(PageRequest paging) {
        if (paging.after() != null && !accounts.exists(paging.after().item())) {
            throw InvalidPageRequestException.itemGone();
        }
    }

    private static NotFoundException notFound(String detail) {
        return new NotFoundException(detail + ".");
    }
}
