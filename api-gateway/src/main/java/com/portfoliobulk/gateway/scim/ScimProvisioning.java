package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.gateway.jobs.ClosureLock;
import com.portfoliobulk.gateway.jobs.JobSubmission;
import com.portfoliobulk.gateway.jobs.JobView;
import com.portfoliobulk.gateway.portfolio.PortfolioAdministration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the portfolio's identity provider may do with its users. Creating a user puts them in the
 * directory with no access until an administrator invites them (not IdP-managed, so they may).
 * Deactivating one ({@code active: false} by PATCH or PUT) or deleting one offboards them: an {@code OFFBOARD_USERS}
 * job through the ordinary submission (same rules, activity log and metrics), with origin
 * {@code SCIM} and the identity provider as its actor. It also removes their portfolio role, unless
 * it is the Owner's ({@link PortfolioAdministration#removeDeprovisioned}): a leaver administers the
 * portfolio no more, with the token or console session they had. Reactivating restores nothing.
 *
 * <p>Idempotent: the n-th deactivation of a user in a portfolio submits its job with the key
 * {@code scim-deprovision:<userId>:<n>}, and n is recorded only after the job exists. A retried or
 * concurrent request for the same deactivation therefore answers the same job, and a request for a
 * user who is inactive already submits nothing, unless they have access again ({@link #deactivate}).
 *
 * <p>A change is one transaction with its job: the portfolio is held open (a close's last step waits
 * for it, or it for the close, and is refused) and the user's row held from the start, the version
 * raised, the attributes kept, the portfolio role removed and the deactivation recorded with the job
 * in it. A change whose job cannot be submitted (the database fails, a submission with its key is
 * still being created) is rolled back whole, its version and portfolio role included, so that the
 * identity provider's retry with the same {@code If-Match} goes on rather than answering 412 with the
 * user still active. A creation with {@code active: false} is one transaction with its job too: one
 * whose job cannot be submitted links no one, so that the identity provider's retry creates the user
 * inactive rather than answering 409 {@code uniqueness} with the user linked and still active.
 */
@Service
class ScimProvisioning {

    /** Page size when the identity provider asks for none, and the largest it may ask for. */
    static final int MAX_PAGE = 200;

    private final ScimUsers users;

    private final WorkerUsers worker;

    private final JobSubmission submission;

    private final PortfolioAdministration administration;

    private final ClosureLock closureLock;

    private final TransactionTemplate transaction;

    ScimProvisioning(
            ScimUsers users,
            WorkerUsers worker,
            JobSubmission submission,
            PortfolioAdministration administration,
            ClosureLock closureLock,
            PlatformTransactionManager transactions) {
        this.users = users;
        this.worker = worker;
        this.submission = submission;
        this.administration = administration;
        this.closureLock = closureLock;
        this.transaction = new TransactionTemplate(transactions);
    }

    ScimUser get(UUID portfolioId, UUID userId) {
        return users.byId(portfolioId, userId)
                .orElseThrow(() -> ScimException.notFound("The portfolio has no user " + userId + "."));
    }

    /**
     * One page of the users the filter selects (or of all), with the number of them. The page and the
     * number are read by one statement, so at one moment: a user added or deleted meanwhile changes
     * neither, and {@code totalResults} is the number of users the page was drawn from. Only the page is
     * read, however many users match.
     */
    Page list(UUID portfolioId, ScimFilter filter, long startIndex, int count) {
        if (filter == null) {
            return users.page(portfolioId, startIndex - 1, count);
        }
        return switch (filter.attribute()) {
            case USER_NAME -> atMostOne(users.byUserName(portfolioId, filter.value()), startIndex, count);
            case EXTERNAL_ID -> users.byExternalId(portfolioId, filter.value(), startIndex - 1, count);
            case ID -> atMostOne(parseId(filter.value()).flatMap(id -> users.byId(portfolioId, id)), startIndex, count);
        };
    }

    /** The page of a filter that selects one user at most (an address, an id). */
    private static Page atMostOne(Optional<ScimUser> match, long startIndex, int count) {
        List<ScimUser> matches = match.stream().toList();
        return new Page(matches.size(), startIndex == 1 && count > 0 ? matches : List.of());
    }

    /**
     * Creates the user, or links the directory user this address already has (from another
     * portfolio, or deleted here earlier); never restores access. Either way the user is new to the
     * identity provider: their {@code meta.created} is now, so that the answer tells nothing of the
     * address in other portfolios. Of concurrent requests for the same address, the database lets
     * exactly one link the user. The link and a deactivation the request asks for are one transaction
     * with the offboarding job; of a request that fails, only a directory user the worker created first
     * remains, with no access, and the retry finds them again (the worker's creation is idempotent per
     * address).
     *
     * @throws ScimException 409 {@code uniqueness} when the portfolio has a user with this address
     */
    ScimUser create(ScimClient client, UUID portfolioId, ScimUserChange change) {
        if (change.valueRefusal() != null) {
            // A new user has no access to remove: refused whole, also with active: false.
            throw ScimException.invalidValue(change.valueRefusal());
        }
        if (change.userName() == null) {
            throw ScimException.invalidValue("'userName' is required: the user's e-mail address.");
        }
        String address = EmailAddresses.stored(change.userName()).orElse(null);
        if (address == null) {
            throw ScimException.invalidValue(
                    "'userName' must be an e-mail address: " + EmailAddresses.refusal(change.userName()) + ".");
        }
        if (users.byUserName(portfolioId, change.userName()).isPresent()) {
            throw taken(change.userName());
        }
        // As the directory keeps it: a Unicode domain in its xn-- form.
        UUID userId = worker.provision(address);
        transaction.executeWithoutResult(status -> {
            // Held open before the user's row, as every change holds it (hold).
            closureLock.keepOpen(portfolioId);
            if (!users.link(portfolioId, userId, change.externalId(), change.displayName(), true)) {
                // A concurrent request for the same address linked the user first.
                throw taken(change.userName());
            }
            if (Boolean.FALSE.equals(change.active())) {
                deactivate(client, portfolioId, userId, false);
            }
        });
        return get(portfolioId, userId);
    }

    /**
     * PUT and PATCH: keeps the attributes the request sets, and deactivates (offboards) or reactivates
     * the user. The attributes are written while the user is held, over what the last committed change
     * left, so that of two PATCHes sent without {@code If-Match} (as Entra ID and Okta send them) the
     * second keeps what the first set of other attributes. A
     * change or removal of {@code userName} is refused (400 {@code mutability}) and nothing else of
     * the request is kept, but a deactivation in the same request is applied all the same. A {@code
     * userName} that is no address by the one rule for addresses ({@link EmailAddresses}) is a change
     * unless it is exactly the address stored (that of a user stored before the rule, which a PATCH
     * carries; an address with a Unicode domain is the same as with its xn-- form): one that only
     * lower-cases to the user's ({@code \\u212Aate@corp.example}, with KELVIN SIGN, to {@code
     * kate@corp.example}) names another user than this one ({@link ScimUsers#stored}).
     * So is a value too long ({@link ScimUserChange#valueRefusal}, 400 {@code invalidValue}, answered
     * before a refused {@code userName}), which only a deactivation carries this far.
     *
     * @param expectedVersion the version {@code If-Match} requires, {@link ScimETags#ANY} for any, or null
     *     for none
     * @throws ScimException 412 when the user's version is not (or no longer) the expected one
     */
    ScimUser update(ScimClient client, UUID portfolioId, UUID userId, ScimUserChange change, Long expectedVersion) {
        ScimUser current = get(portfolioId, userId);
        if (change.valueRefusal() != null) {
            throw deactivatedDespite(
                    ScimException.invalidValue(change.valueRefusal()),
                    client,
                    portfolioId,
                    userId,
                    current,
                    change,
                    expectedVersion);
        }
        String refusedUserName = change.userNameRemoval();
        if (refusedUserName == null
                && change.userName() != null
                && !ScimUsers.stored(change.userName()).equals(ScimUsers.stored(current.userName()))) {
            refusedUserName = "'userName' is the user's e-mail address in every account of the portfolio and cannot"
                    + " be changed through SCIM (it is '" + current.userName() + "').";
        }
        if (refusedUserName != null) {
            throw deactivatedDespite(
                    new ScimException(HttpStatus.BAD_REQUEST, "mutability", refusedUserName),
                    client,
                    portfolioId,
                    userId,
                    current,
                    change,
                    expectedVersion);
        }
        transaction.executeWithoutResult(status -> {
            hold(portfolioId, userId);
            claim(portfolioId, userId, current, expectedVersion);
            users.update(portfolioId, userId, change);
            if (Boolean.FALSE.equals(change.active())) {
                deactivate(client, portfolioId, userId, false);
            }
        });
        return get(portfolioId, userId);
    }

    /**
     * PUT: as {@link #update}, for the whole resource, which must carry {@code userName} (400 {@code
     * invalidValue}); a deactivation without it is applied all the same. A value too long is answered
     * first, by {@link #update}.
     */
    ScimUser replace(ScimClient client, UUID portfolioId, UUID userId, ScimUserChange change, Long expectedVersion) {
        if (change.userName() == null && change.valueRefusal() == null) {
            throw deactivatedDespite(
                    ScimException.invalidValue("'userName' is required: a PUT replaces the whole User resource, the"
                            + " user's e-mail address included (PATCH changes single attributes)."),
                    client,
                    portfolioId,
                    userId,
                    get(portfolioId, userId),
                    change,
                    expectedVersion);
        }
        return update(client, portfolioId, userId, change, expectedVersion);
    }

    /**
     * Applies the deactivation of a request refused for its {@code userName} or for a value too long,
     * and answers the refusal: deprovisioning is never held up by the userName, as an identity provider
     * sends the new userName of a renamed user with each later change of theirs, deactivation included,
     * and may send one it has no longer (removed, null, or left out of a PUT) with the deactivation; nor
     * by a {@code displayName} or {@code externalId} over 255 characters, which Entra ID sends again
     * with all of the user's pending changes.
     */
    private ScimException deactivatedDespite(
            ScimException refusal,
            ScimClient client,
            UUID portfolioId,
            UUID userId,
            ScimUser current,
            ScimUserChange change,
            Long expectedVersion) {
        if (Boolean.FALSE.equals(change.active())) {
            transaction.executeWithoutResult(status -> {
                hold(portfolioId, userId);
                claim(portfolioId, userId, current, expectedVersion);
                deactivate(client, portfolioId, userId, false);
            });
        }
        return refusal;
    }

    /**
     * DELETE: offboards the user (unless inactive already, and without access again) and removes them
     * from the identity provider's view.
     *
     * @param expectedVersion the version {@code If-Match} requires, {@link ScimETags#ANY} for any, or null
     *     for none
     */
    void delete(ScimClient client, UUID portfolioId, UUID userId, Long expectedVersion) {
        ScimUser current = get(portfolioId, userId);
        transaction.executeWithoutResult(status -> {
            hold(portfolioId, userId);
            claim(portfolioId, userId, current, expectedVersion);
            deactivate(client, portfolioId, userId, true);
        });
    }

    /**
     * Holds the portfolio open ({@link ClosureLock}), then links the user (a user the identity provider
     * matched by address has no link yet) and holds them until the change commits: a concurrent change of
     * theirs waits, then sees this one, its version and its deactivation. Taken first, before the job's
     * key, so that two changes never hold each what the other waits for. The portfolio comes before the
     * user: the close's last step takes its closure lock first and deletes the portfolio's SCIM users
     * after it, so a change that held the user while it waited for the lock would wait for the close as
     * the close waits for it, and PostgreSQL would abort one of them as a deadlock; held first, a change
     * waits for the close and is refused (403), or the close waits for the change and deletes what it
     * wrote.
     */
    private void hold(UUID portfolioId, UUID userId) {
        closureLock.keepOpen(portfolioId);
        users.ensureLinked(portfolioId, userId);
        users.lock(portfolioId, userId);
    }

    /**
     * Goes on only if the user is still at the expected version, and makes any other request expecting
     * it fail. No {@code If-Match}, or {@link ScimETags#ANY}, claims no version: the request goes on with
     * the user as the last change left them, unless that change deleted them (404, as the request would
     * have found no user had it come after it). Checked while the user is held, so that a change that
     * waited for a concurrent deletion writes nothing to the deleted user's row.
     */
    private void claim(UUID portfolioId, UUID userId, ScimUser current, Long expectedVersion) {
        if (expectedVersion == null || expectedVersion == ScimETags.ANY) {
            if (users.isDeleted(portfolioId, userId)) {
                throw ScimException.notFound("The portfolio has no user " + userId + ".");
            }
            return;
        }
        if (current.version() != expectedVersion || !users.claimVersion(portfolioId, userId, expectedVersion)) {
            throw ScimETags.changed(
                    ScimETags.of(expectedVersion), get(portfolioId, userId).version());
        }
    }

    /**
     * Removes the user's portfolio role (not the Owner's), and offboards an active user. An inactive one
     * is offboarded again only when they may have access the last offboarding did not remove (a task of
     * it failed, an administrator invited them back since, or an account of theirs was linked to the
     * portfolio since) and it is not still running: the identity provider's deactivation or deletion
     * removes the access there is now, while a retried request, or one for a user whose remaining
     * membership the rules keep (an account Owner's), submits nothing. Their portfolio role goes
     * whenever they have one, also one an administrator gave them again after an earlier deactivation.
     */
    private void deactivate(ScimClient client, UUID portfolioId, UUID userId, boolean delete) {
        Actor identityProvider = Actor.identityProvider(client.tokenId());
        // Every caller linked the user (their scim_users row) first, in the transaction of the request
        // (creation or change): the job is stored in it, and commits with the record of it, and so is the
        // removal of their portfolio role.
        //
        // The role goes before the job. Its removal locks the portfolio's pending Owner transfer, then
        // the user's portfolio user row, in that order as an administrator's removal does; here after the
        // SCIM user this request holds and before the job's key. The portfolio's administration takes
        // the transfer and portfolio users but never a SCIM user or a deprovisioning's key, and every
        // SCIM change takes its SCIM user first, so no two transactions each hold what the other waits
        // for. After the job, the waits for an administrator's change would also be cut short by the
        // lock timeout the submission sets for the rest of the transaction (its duplicate-wait).
        //
        // The portfolio was held open first (ClosureLock, in hold or create), before the user and the role,
        // as the job holds it: the close's last step takes that lock first and the portfolio users and the
        // SCIM users after it, so a deprovisioning that held either while it waited for the lock would wait
        // for the close as the close waits for it.
        administration.removeDeprovisioned(identityProvider, portfolioId, userId);
        ScimUsers.Deactivations deactivations = users.deactivations(portfolioId, userId);
        if (deactivations.active() || (deactivations.accessAgain() && !deactivations.offboarding())) {
            int n = deactivations.count() + 1;
            // Empty when they have no access left in the portfolio's accounts (none to remove).
            Optional<JobView> job = submission.offboardForIdentityProvider(
                    identityProvider, portfolioId, userId, idempotencyKey(userId, n));
            if (deactivations.active() || job.isPresent()) {
                users.recordDeactivation(
                        portfolioId, userId, n, job.map(JobView::jobId).orElse(null), delete);
            }
        }
        if (delete) {
            // A concurrent deactivation may have recorded this same one first (same n, same job), or none
            // was needed: the user is deleted all the same.
            users.markDeleted(portfolioId, userId);
        }
    }

    private static ScimException taken(String userName) {
        return new ScimException(
                HttpStatus.CONFLICT,
                "uniqueness",
                "The portfolio has a user with userName '" + userName + "' already; find it with"
                        + " filter=userName eq \"...\".");
    }

    /** The same for the same deactivation of the same user; the portfolio scopes keys already. */
    static String idempotencyKey(UUID userId, int deactivation) {
        return JobSubmission.IDENTITY_PROVIDER_KEY_PREFIX + "deprovision:" + userId + ":" + deactivation;
    }

    private static Optional<UUID> parseId(String value) {
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException notAnId) {
            return Optional.empty();
        }
    }

    /**
     * @param total how many users match
     * @param users this page of them
     */
    record Page(long total, List<ScimUser> users) {}
}
