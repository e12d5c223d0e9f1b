package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.contracts.InvitationLanguages;
import com.portfoliobulk.contracts.OneLineNames;
import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.contracts.TextLength;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.directory.MembershipColumns;
import com.portfoliobulk.gateway.directory.Portfolios;
import com.portfoliobulk.gateway.jobs.ClosureLock;
import com.portfoliobulk.gateway.jobs.JobCancellation;
import com.portfoliobulk.gateway.portfolio.AdminModels.AdminLogEntry;
import com.portfoliobulk.gateway.portfolio.AdminModels.OwnerTransferView;
import com.portfoliobulk.gateway.portfolio.AdminModels.PortfolioUserView;
import com.portfoliobulk.gateway.portfolio.AdminModels.RoleDefinition;
import com.portfoliobulk.gateway.portfolio.AdminModels.RoleView;
import com.portfoliobulk.gateway.portfolio.PortfolioRoleRules.Refusal;
import com.portfoliobulk.gateway.security.BuiltInPortfolioRole;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.security.PortfolioPermission;
import com.portfoliobulk.gateway.security.StoredPermissions;
import com.portfoliobulk.gateway.web.FirstCodes;
import com.portfoliobulk.gateway.web.ItemCursors;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The portfolio's users and portfolio roles, its pending Owner transfer, its custom account roles and
 * the log of these changes. Every change drops the cached permissions it makes stale, so the next
 * request through this gateway sees it.
 *
 * <p>No one but the Owner hands out more than they hold: a caller who is not the Owner defines only
 * portfolio roles of permissions they hold, grants only such roles (and none that manages portfolio
 * users: that power, ADMIN's or a custom role's, is the Owner's to give), changes or removes only
 * portfolio users whose role has no permission they lack, and does not change their own role
 * ({@link PortfolioRoleRules}, which the console's Administration page applies too). These checks act
 * on the caller's permissions as the database holds them in the change's own transaction (the caller's
 * portfolio user row locked), never on the cached ones the request was let in with.
 */
@Service
public class PortfolioAdministration {

    /** The names of the lists' cursors. */
    static final String USERS = "portfolio-users";

    static final String PORTFOLIO_ROLES = "portfolio-roles";

    static final String ACCOUNT_ROLES = "account-roles";

    static final String ADMIN_LOG = "admin-log";

    /** The sort key of the portfolio user {@code :afterId} names, also after their removal. */
    private static final String USER_AFTER = """
            SELECT k.email, k.id FROM (
                SELECT email, user_id AS id, 1 AS source FROM jobs.portfolio_users
                WHERE portfolio_id = :portfolioId AND user_id = :afterId
                UNION ALL
                SELECT email, id, 2 FROM directory.users WHERE id = :afterId
            ) k
            ORDER BY k.source
            LIMIT 1""";

    /**
     * The id of the user of {@code :email} if the portfolio knows them: a membership of one of its
     * accounts in force ({@link MembershipColumns#IN_FORCE}: active, or an invitation not expired), a
     * SCIM user of the portfolio not deleted by its identity provider, or a portfolio user. No row for a
     * user only other portfolios know.
     */
    private static final String KNOWN_USER = """
            SELECT u.id FROM directory.users u
             WHERE u.email = :email
               AND (EXISTS (SELECT 1 FROM directory.memberships m
                              JOIN directory.accounts a ON a.id = m.account_id
                             WHERE m.user_id = u.id AND a.portfolio_id = :portfolioId
                               AND %s)
                    OR EXISTS (SELECT 1 FROM jobs.scim_users s
                                WHERE s.portfolio_id = :portfolioId AND s.user_id = u.id AND s.deleted_at IS NULL)
                    OR EXISTS (SELECT 1 FROM jobs.portfolio_users p
                                WHERE p.portfolio_id = :portfolioId AND p.user_id = u.id))
            """.formatted(MembershipColumns.IN_FORCE);

    private static final String CODE = "[A-Z][A-Z0-9_]{0,63}";

    /**
     * The columns of an Owner transfer {@code t} that {@link #transfer} reads, with the address of its
     * recipient (a portfolio user while the offer stands: removing them withdraws it).
     */
    private static final String TRANSFER_COLUMNS = """
            t.from_user_id, t.to_user_id, t.requested_at,
            (SELECT p.email FROM jobs.portfolio_users p
              WHERE p.portfolio_id = t.portfolio_id AND p.user_id = t.to_user_id) AS to_email""";

    /** No custom role's code: what the console's role selectors send to remove access. */
    private static final String NO_ACCESS = "NO_ACCESS";

    /** How the log names the removal of a deprovisioned Owner by an acceptance, before the role they had. */
    private static final String DEPROVISIONED_OWNER_REMOVED =
            "removed: deprovisioned by the identity provider before the ownership passed";

    /**
     * The most custom roles of each kind a portfolio may have: all of them are read whenever its roles
     * are checked (each change of a portfolio user, each submission naming a custom account role, each
     * console page), on a gateway every portfolio shares.
     */
    static final int MAX_CUSTOM_ROLES = 100;

    private static final int MAX_NAME = 200;

    private static final int MAX_DESCRIPTION = 1000;

    /** One entry of the log; every entry is written with it. */
    private static final String INSERT_LOG_ENTRY = """
            INSERT INTO jobs.portfolio_admin_log
                (id, portfolio_id, action, actor_user_id, actor_email, subject, detail)
            SELECT :id, :portfolioId, :action, :actor, :actorEmail, :subject, :detail
            """;

    /**
     * Writes a link change unless the log's latest link change of the account is the same action, or,
     * with none, unless {@code :noEntry} is.
     */
    private static final String INSERT_LINK_CHANGE = INSERT_LOG_ENTRY + """
            WHERE coalesce((SELECT action FROM jobs.portfolio_admin_log
                            WHERE portfolio_id = :portfolioId AND subject = :subject
                              AND action IN ('ACCOUNT_LINKED', 'ACCOUNT_UNLINKED')
                            ORDER BY occurred_at DESC, id DESC LIMIT 1),
                           :noEntry) <> :action
            """;

    private final JdbcClient jdbc;

    private final PortfolioUserRepository users;

    private final PortfolioRoleRepository portfolioRoles;

    private final AccountRoleRepository accountRoles;

    private final StoredPermissions permissions;

    private final Portfolios portfolios;

    private final PortfolioAccess access;

    private final ItemCursors cursors;

    private final JobCancellation cancellation;

    private final ClosureLock closureLock;

    PortfolioAdministration(
            JdbcClient jdbc,
            PortfolioUserRepository users,
            PortfolioRoleRepository portfolioRoles,
            AccountRoleRepository accountRoles,
            StoredPermissions permissions,
            PortfolioAccess access,
            Portfolios portfolios,
            ItemCursors cursors,
            JobCancellation cancellation,
            ClosureLock closureLock) {
        this.jdbc = jdbc;
        this.cancellation = cancellation;
        this.closureLock = closureLock;
        this.cursors = cursors;
        this.portfolios = portfolios;
        this.users = users;
        this.portfolioRoles = portfolioRoles;
        this.accountRoles = accountRoles;
        this.permissions = permissions;
        this.access = access;
    }

    // ---- portfolio users ----------------------------------------------------------------------

    /**
     * One page of the portfolio users, ordered by e-mail address. The cursor names the last user, not
     * their address ({@link Cursor#ofItem}); the seek reads the address again: from the portfolio
     * user, or from the directory user when they were removed in between (a directory user keeps
     * their address and is never deleted), so the next page starts where that user was. The cursor is
     * signed ({@link ItemCursors}): one this list did not make is refused before the seek reads
     * anything.
     */
    @Transactional(readOnly = true)
    Page<PortfolioUserView> users(UUID portfolioId, PageRequest paging) {
        cursors.check(paging);
        List<RoleView> custom = customPortfolioRoles(portfolioId);
        String after = paging.after() == null ? "" : " AND (email, user_id) > (" + USER_AFTER + ")";
        JdbcClient.StatementSpec statement = jdbc.sql("SELECT user_id, email, role FROM jobs.portfolio_users"
                        + " WHERE portfolio_id = :portfolioId" + after + " ORDER BY email, user_id LIMIT :fetch")
                .param("portfolioId", portfolioId)
                .param("fetch", paging.fetchSize());
        if (paging.after() != null) {
            statement = statement.param("afterId", paging.after().item());
        }
        List<PortfolioUserView> fetched = statement
                .query((rs, row) -> new PortfolioUserView(
                        rs.getObject("user_id", UUID.class),
                        rs.getString("email"),
                        rs.getString("role"),
                        permissionsOf(rs.getString("role"), custom)))
                .list();
        if (fetched.isEmpty()) {
            portfolios.require(portfolioId);
        }
        if (fetched.isEmpty()
                && paging.after() != null
                && jdbc.sql(USER_AFTER)
                        .param("portfolioId", portfolioId)
                        .param("afterId", paging.after().item())
                        .query((rs, row) -> true)
                        .optional()
                        .isEmpty()) {
            throw InvalidPageRequestException.itemGone();
        }
        return paging.page(fetched, user -> cursors.after(Cursor.list(USERS, portfolioId), user.userId()));
    }

    /**
     * Makes a user the portfolio knows a portfolio user: one with access to, or a pending invitation
     * to, one of its linked accounts, one its identity provider provisioned (and did not delete), or a
     * portfolio user already (409). Any other address, also that of a user of another portfolio only,
     * answers as one no user has: an administrator of one portfolio is not to learn who uses another.
     */
    @Transactional
    PortfolioUserView addUser(Caller caller, UUID portfolioId, String email, String role) {
        if (email == null || email.isBlank()) {
            throw AdminProblems.invalid(
                    "email", "is required: the e-mail address of a user of one of the portfolio's accounts");
        }
        // Checked as typed, and looked up as stored (a Unicode domain in its xn-- form): some characters
        // outside ASCII lower-case to ASCII letters (U+212A KELVIN SIGN to k), and would name another
        // user than the one typed.
        String normalizedEmail = EmailAddresses.stored(email.strip()).orElse(null);
        if (normalizedEmail == null) {
            throw AdminProblems.invalid(
                    "email",
                    Quoted.of(email) + " is not an e-mail address (" + EmailAddresses.refusal(email.strip()) + ")");
        }
        Caller current = manager(caller, portfolioId, List.of()).caller();
        String code = assignableRole(current, portfolioId, role);
        UUID userId = jdbc.sql(KNOWN_USER)
                .param("portfolioId", portfolioId)
                .param("email", normalizedEmail)
                .query(UUID.class)
                .optional()
                .orElseThrow(() -> AdminProblems.invalid(
                        "email", "is not the address of a user; invite them to an account of the portfolio first"));
        if (!users.insertIfAbsent(portfolioId, userId, normalizedEmail, code)) {
            throw AdminProblems.conflict(
                    "Already a portfolio user",
                    normalizedEmail + " is a portfolio user already; change their role instead.");
        }
        List<RoleView> custom = customPortfolioRoles(portfolioId);
        log(
                portfolioId,
                caller,
                AdminLogAction.PORTFOLIO_USER_ADDED,
                normalizedEmail,
                "added with role " + roleName(code, custom));
        // Logged as the removal is: a restore re-applies the latest line of each user.
        AdministrativeChanges.made(portfolioId, caller, "portfolio user " + userId + " added, role " + code);
        permissions.forget(userId);
        return new PortfolioUserView(userId, normalizedEmail, code, permissionsOf(code, custom));
    }

    /**
     * Changes a portfolio user's role. A role without {@code USER_MANAGEMENT_EDIT}, which submitting a
     * job needs, cancels in the same transaction the jobs they submitted that have not ended, as their
     * removal does ({@link #remove}): what they may no longer ask for is not applied after the change.
     */
    @Transactional
    PortfolioUserView changeRole(Caller caller, UUID portfolioId, UUID userId, String role) {
        // The portfolio held open first, as for a removal: a change to a role that submits no jobs
        // cancels the user's jobs, whose rows a close's last step locks after this lock.
        closureLock.holdOpen(portfolioId);
        // The offer next, as accepting one locks it before the portfolio users (the Owner's row, then
        // the recipient's): taking the users in id order without it deadlocks with an acceptance.
        lockPendingTransfer(portfolioId);
        Manager manager = manager(caller, portfolioId, List.of(userId));
        Caller current = manager.caller();
        PortfolioUserRepository.Row user = manager.target(userId);
        List<RoleView> custom = customPortfolioRoles(portfolioId);
        Optional<Refusal> refusal = PortfolioRoleRules.changeRefusal(
                current, portfolioId, userId, user.role(), permissionsOf(user.role(), custom));
        if (refusal.isPresent()) {
            throw switch (refusal.get()) {
                case OWNER ->
                    AdminProblems.conflict(
                            "The Owner's role cannot change",
                            "The Portfolio Owner keeps that role until they transfer ownership (POST owner-transfer).");
                case OWN_ROLE ->
                    new AccessDeniedException("You cannot change your own portfolio role; the Portfolio Owner, or a"
                            + " portfolio user who holds every permission of your role, changes it");
                default -> holderRefused(refusal.get(), current, portfolioId, user, custom, "change");
            };
        }
        String code = assignableRole(current, portfolioId, role);
        custom = customPortfolioRoles(portfolioId);
        if (code.equals(user.role())) {
            // The role they hold already: nothing changes, so nothing is logged.
            return new PortfolioUserView(userId, user.email(), code, permissionsOf(code, custom));
        }
        // Dated by the database's clock, as the deprovisioning that the hourly removal compares it with.
        users.changeRole(portfolioId, userId, code);
        List<String> granted = permissionsOf(code, custom);
        List<UUID> cancelled = granted.contains(PortfolioPermission.USER_MANAGEMENT_EDIT.name())
                        || granted.contains(PortfolioPermission.OWNER.name())
                ? List.of()
                : cancellation.cancelSubmittedBy(portfolioId, userId, actor(caller));
        log(
                portfolioId,
                caller,
                AdminLogAction.PORTFOLIO_ROLE_CHANGED,
                user.email(),
                "role " + roleName(user.role(), custom) + " -> " + roleName(code, custom) + cancelledNote(cancelled));
        logCancelled(portfolioId, actor(caller), userId, cancelled, "whose role no longer submits jobs");
        AdministrativeChanges.made(
                portfolioId, caller, "portfolio user " + userId + " role changed from " + user.role() + " to " + code);
        permissions.forget(userId);
        return new PortfolioUserView(userId, user.email(), code, permissionsOf(code, custom));
    }

    @Transactional
    void removeUser(Caller caller, UUID portfolioId, UUID userId) {
        // The portfolio held open first, as a SCIM deprovisioning holds it: the removal cancels the jobs
        // the user submitted, and a close's last step, which takes this lock before those jobs' rows and
        // then the portfolio users, waits for it (or it for the close) rather than deadlocking with it.
        closureLock.holdOpen(portfolioId);
        // The offer next, as accepting one locks it before the portfolio users: the removal also
        // withdraws an offer to the removed user, and taking the two the other way round deadlocks.
        lockPendingTransfer(portfolioId);
        Manager manager = manager(caller, portfolioId, List.of(userId));
        Caller current = manager.caller();
        PortfolioUserRepository.Row user = manager.target(userId);
        if (BuiltInPortfolioRole.OWNER.name().equals(user.role())) {
            throw AdminProblems.conflict(
                    "The Owner cannot be removed",
                    "A portfolio always has its Owner; transfer ownership first (POST owner-transfer).");
        }
        List<RoleView> custom = customPortfolioRoles(portfolioId);
        Optional<Refusal> refusal =
                PortfolioRoleRules.holderRefusal(current, portfolioId, user.role(), permissionsOf(user.role(), custom));
        if (refusal.isPresent()) {
            throw holderRefused(refusal.get(), current, portfolioId, user, custom, "remove");
        }
        remove(portfolioId, actor(caller), user, "removed");
        AdministrativeChanges.made(portfolioId, caller, "portfolio user " + userId + " removed, role " + user.role());
    }

    /**
     * Removes the portfolio role of a user the portfolio's identity provider deactivated or deleted
     * (SCIM), in the deprovisioning's transaction, as {@link #removeUser} removes one: an Owner transfer
     * offered to them is withdrawn, each is logged with the identity provider as the actor, and the
     * cached permissions are dropped as the transaction ends. The Owner keeps their role: a portfolio
     * always has its Owner, who transfers ownership first. Nothing for a user who is no portfolio user.
     *
     * <p>Locks as {@link #removeUser} does: any pending Owner transfer, then the user's portfolio user
     * row.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void removeDeprovisioned(Actor identityProvider, UUID portfolioId, UUID userId) {
        lockPendingTransfer(portfolioId);
        for (PortfolioUserRepository.Row user : users.lockAll(portfolioId, Set.of(userId))) {
            if (!BuiltInPortfolioRole.OWNER.name().equals(user.role())) {
                remove(portfolioId, identityProvider, user, "removed by the identity provider's deprovisioning");
            }
        }
    }

    /**
     * Removes a portfolio user, locked with any pending Owner transfer, and withdraws an offer to them;
     * {@code removed} begins the log's entry, the role they had ends it. The Owner only as the
     * acceptance of their offer makes another the Owner in the same transaction.
     *
     * <p>The jobs they submitted in the portfolio that have not ended are cancelled in the same
     * transaction, as a cancel of each would ({@link JobCancellation#cancelSubmittedBy}): what a removed
     * administrator asked for and the worker has not applied yet is not applied after they are gone.
     * Their tasks' rows and the jobs' are locked after the portfolio user rows, in the worker's order;
     * the worker takes no portfolio user or Owner transfer. The log's entry counts the jobs, and the line
     * of the change names them ({@link AdministrativeChanges}): a restore to a moment before the removal
     * brings them back queued.
     */
    private void remove(UUID portfolioId, Actor actor, PortfolioUserRepository.Row user, String removed) {
        users.deleteById(user.id());
        List<UUID> cancelled =
                cancellation.cancelSubmittedBy(portfolioId, user.id().userId(), actor);
        int withdrawn = jdbc.sql(
                        "DELETE FROM jobs.owner_transfers WHERE portfolio_id = :portfolioId AND to_user_id = :userId")
                .param("portfolioId", portfolioId)
                .param("userId", user.id().userId())
                .update();
        log(
                portfolioId,
                actor,
                AdminLogAction.PORTFOLIO_USER_REMOVED,
                user.email(),
                removed + " (was " + roleName(user.role(), customPortfolioRoles(portfolioId)) + ")"
                        + cancelledNote(cancelled));
        logCancelled(portfolioId, actor, user.id().userId(), cancelled, "who was removed");
        if (withdrawn > 0) {
            log(
                    portfolioId,
                    actor,
                    AdminLogAction.OWNER_TRANSFER_WITHDRAWN,
                    user.email(),
                    "withdrawn: the recipient was removed");
        }
        permissions.forget(user.id().userId());
    }

    /** How the log's entry of a change counts the jobs it cancelled: nothing when none. */
    private static String cancelledNote(List<UUID> cancelled) {
        return cancelled.isEmpty() ? "" : "; " + cancelled.size() + " unfinished job(s) they submitted cancelled";
    }

    /**
     * The line of the jobs a change of a portfolio user cancelled ({@link AdministrativeChanges}), by id:
     * a restore to a moment before it brings them back queued, and making the change again cancels them
     * again.
     */
    private static void logCancelled(UUID portfolioId, Actor actor, UUID userId, List<UUID> cancelled, String why) {
        if (!cancelled.isEmpty()) {
            AdministrativeChanges.made(
                    portfolioId,
                    actor,
                    "job(s) " + cancelled.stream().map(UUID::toString).collect(Collectors.joining(", "))
                            + " cancelled: submitted by portfolio user " + userId + ", " + why);
        }
    }

    /**
     * Locks the caller's portfolio user row and the {@code targets}' (in user id order) until the
     * transaction ends, then reads the caller's permissions on the portfolio as they now stand: 403
     * when they no longer hold PORTFOLIO_USERS_MANAGE, whatever the cache let the request in with.
     * Every check of the change acts on this caller, and no concurrent change of the caller's role
     * can slip in between the check and the change.
     */
    private Manager manager(Caller caller, UUID portfolioId, List<UUID> targets) {
        Set<UUID> locked = new LinkedHashSet<>(targets);
        locked.add(caller.userId());
        Map<UUID, PortfolioUserRepository.Row> rows = new HashMap<>();
        users.lockAll(portfolioId, locked).forEach(row -> rows.put(row.id().userId(), row));
        return new Manager(
                access.requireCurrent(caller, portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE),
                Map.copyOf(rows));
    }

    /**
     * The caller of a change with their current permissions, and the portfolio users the change
     * locked.
     */
    private record Manager(Caller caller, Map<UUID, PortfolioUserRepository.Row> locked) {

        /** The locked portfolio user; 404 when they are no portfolio user of the portfolio. */
        PortfolioUserRepository.Row target(UUID userId) {
            PortfolioUserRepository.Row row = locked.get(userId);
            if (row == null) {
                throw AdminProblems.notFound("User " + userId + " is not a portfolio user of this portfolio.");
            }
            return row;
        }
    }

    /**
     * The refusal to change or remove a portfolio user ({@link PortfolioRoleRules#holderRefusal}): only
     * the Owner changes or removes an Admin, and only a caller who holds every permission of the
     * portfolio user's role.
     */
    private static AccessDeniedException holderRefused(
            Refusal refusal,
            Caller caller,
            UUID portfolioId,
            PortfolioUserRepository.Row user,
            List<RoleView> custom,
            String change) {
        if (refusal == Refusal.ADMIN) {
            return adminRefused();
        }
        List<String> lacking = PortfolioRoleRules.lacking(caller, portfolioId, permissionsOf(user.role(), custom));
        return new AccessDeniedException("You cannot " + change + " " + user.email() + ": their role " + user.role()
                + " has permissions you do not hold " + lacking
                + "; the Portfolio Owner, or a portfolio user who holds them, can");
    }

    private static AccessDeniedException adminRefused() {
        return new AccessDeniedException("Only the Portfolio Owner changes or removes an Admin");
    }

    private String assignableRole(Caller caller, UUID portfolioId, String role) {
        if (role == null || role.isBlank()) {
            throw AdminProblems.invalid("role", "is required: " + assignableRoles(portfolioId));
        }
        String code = role.strip().toUpperCase(Locale.ROOT);
        // A custom role is kept until the change commits, so that it cannot be deleted meanwhile: a
        // deletion counts its holders after this change, not before it. Its permissions are checked as
        // kept, not as an earlier read had them (the role may have been defined or redefined since).
        List<String> granted;
        if (BuiltInPortfolioRole.of(code).isPresent()) {
            granted = permissionsOf(code, List.of());
        } else {
            granted = portfolioRoles
                    .keep(portfolioId, code)
                    .map(kept -> kept.view().permissions())
                    .orElseThrow(() -> AdminProblems.invalid(
                            "role", Quoted.of(role) + " is not a portfolio role; " + assignableRoles(portfolioId)));
        }
        Optional<Refusal> refusal = PortfolioRoleRules.grantRefusal(caller, portfolioId, code, granted);
        if (refusal.isPresent()) {
            throw switch (refusal.get()) {
                case OWNER ->
                    AdminProblems.invalid(
                            "role",
                            "must not be OWNER: ownership is handed over by an Owner transfer; "
                                    + assignableRoles(portfolioId));
                case ADMIN -> AdminProblems.forbidden("role", "'ADMIN': only the Portfolio Owner grants ADMIN");
                case LACKING ->
                    AdminProblems.forbidden(
                            "role",
                            "'" + code + "' has permissions you do not hold "
                                    + PortfolioRoleRules.lacking(caller, portfolioId, granted)
                                    + "; give a role whose permissions you all hold, or ask the Portfolio Owner");
                case MANAGES_USERS ->
                    AdminProblems.forbidden(
                            "role",
                            "'" + code + "' lets its holder manage portfolio users; only the Portfolio Owner grants"
                                    + " such a role");
                case OWN_ROLE -> new IllegalStateException("No role is refused as one's own");
            };
        }
        return code;
    }

    private String assignableRoles(UUID portfolioId) {
        List<String> codes = new ArrayList<>(List.of("ADMIN", "USER_MANAGEMENT_EDIT", "USER_MANAGEMENT_VIEW"));
        customPortfolioRoles(portfolioId).forEach(role -> codes.add(role.code()));
        return "choose one of " + FirstCodes.of(codes);
    }

    /**
     * The name of a portfolio role as the portfolio roles list (and the console) shows it: a built-in
     * role's display name, a custom role's own name (one stored before names were one line with its
     * line breaks and direction controls as U+FFFD, since the log's sentences quote it); the code of a
     * role that is neither.
     */
    private static String roleName(String role, List<RoleView> custom) {
        return BuiltInPortfolioRole.of(role)
                .map(BuiltInPortfolioRole::displayName)
                .orElseGet(() -> custom.stream()
                        .filter(r -> r.code().equals(role))
                        .findFirst()
                        .map(r -> OneLineNames.shown(r.name()))
                        .orElse(role));
    }

    private static List<String> permissionsOf(String role, List<RoleView> custom) {
        return BuiltInPortfolioRole.of(role)
                .map(builtIn -> builtIn.permissions().stream().map(Enum::name).toList())
                .orElseGet(() -> custom.stream()
                        .filter(r -> r.code().equals(role))
                        .findFirst()
                        .map(RoleView::permissions)
                        .orElse(List.of()));
    }

    // ---- portfolio roles ----------------------------------------------------------------------

    /** One page of the portfolio roles: the built-in ones, then the custom ones by code. */
    @Transactional(readOnly = true)
    Page<RoleView> portfolioRoles(UUID portfolioId, PageRequest paging) {
        List<RoleView> builtIns = new ArrayList<>();
        for (BuiltInPortfolioRole role : BuiltInPortfolioRole.values()) {
            builtIns.add(new RoleView(
                    role.name(),
                    role.displayName(),
                    "",
                    role.permissions().stream().map(Enum::name).toList(),
                    false));
        }
        return rolePage(builtIns, "jobs.portfolio_roles", portfolioId, paging, PORTFOLIO_ROLES);
    }

    private List<RoleView> customPortfolioRoles(UUID portfolioId) {
        return portfolioRoles.findAllOf(portfolioId).stream()
                .map(PortfolioRoleRepository.Row::view)
                .toList();
    }

    @Transactional
    RoleView definePortfolioRole(Caller caller, UUID portfolioId, RoleDefinition definition) {
        Caller current = manager(caller, portfolioId, List.of()).caller();
        String code = code(
                definition, BuiltInPortfolioRole.of(definitionCode(definition)).isPresent());
        List<String> granted = namedPermissions(
                definition.permissions(),
                name -> parse(PortfolioPermission.class, name)
                        .filter(p -> p != PortfolioPermission.OWNER)
                        .isPresent(),
                EnumSet.complementOf(EnumSet.of(PortfolioPermission.OWNER)).toString());
        List<String> lacking = PortfolioRoleRules.lacking(current, portfolioId, granted);
        if (!lacking.isEmpty()) {
            throw AdminProblems.forbidden(
                    "permissions",
                    "names permissions you do not hold " + lacking
                            + "; a role may have only permissions you hold (the Portfolio Owner holds every one)");
        }
        requireRoomForRole(portfolioRoles, "portfolio", portfolioId);
        requireDistinctRoleName(
                portfolioRoles,
                "portfolio",
                portfolioId,
                OneLineNames.normalized(definition.name()),
                Arrays.stream(BuiltInPortfolioRole.values())
                        .map(BuiltInPortfolioRole::displayName)
                        .toList());
        RoleView role = insertRole(portfolioRoles, portfolioId, code, definition, granted);
        log(portfolioId, caller, AdminLogAction.PORTFOLIO_ROLE_DEFINED, code, "permissions " + granted);
        return role;
    }

    @Transactional
    void deletePortfolioRole(Caller caller, UUID portfolioId, String code) {
        manager(caller, portfolioId, List.of());
        String normalized = code.toUpperCase(Locale.ROOT);
        portfolioRoles.lock(portfolioId, normalized).orElseThrow(() -> noSuchRole(normalized));
        long holders = users.countHolders(portfolioId, normalized);
        if (holders > 0) {
            throw AdminProblems.conflict(
                    "Role in use",
                    "The portfolio role " + normalized + " is held by " + holders
                            + " portfolio user(s); give them another role first.");
        }
        portfolioRoles.deleteById(new CustomRoleRepository.Key(portfolioId, normalized));
        log(portfolioId, caller, AdminLogAction.PORTFOLIO_ROLE_DELETED, normalized, "deleted");
    }

    // ---- custom account roles -----------------------------------------------------------------

    @Transactional(readOnly = true)
    /** One page of the account roles: the standard ones, then the custom ones by code. */
    Page<RoleView> accountRoles(UUID portfolioId, PageRequest paging) {
        List<RoleView> standard = new ArrayList<>();
        for (AccountRole role : AccountRole.standardRoles()) {
            standard.add(new RoleView(role.code(), role.displayName(), "", List.of(), false));
        }
        return rolePage(standard, "jobs.account_roles", portfolioId, paging, ACCOUNT_ROLES);
    }

    /**
     * A page of the fixed roles followed by the portfolio's custom ones (whose codes differ from the
     * fixed ones'). The cursor is the last role's code.
     */
    private Page<RoleView> rolePage(
            List<RoleView> fixed, String table, UUID portfolioId, PageRequest paging, String list) {
        String after = paging.after() == null ? null : paging.after().text(0);
        int next = 0;
        String customAfter = null;
        if (after != null) {
            next = fixed.size();
            customAfter = after;
            for (int i = 0; i < fixed.size(); i++) {
                if (fixed.get(i).code().equals(after)) {
                    next = i + 1;
                    customAfter = null;
                }
            }
        }
        List<RoleView> fetched =
                new ArrayList<>(fixed.subList(next, Math.min(fixed.size(), next + paging.fetchSize())));
        List<RoleView> custom = List.of();
        if (fetched.size() < paging.fetchSize()) {
            custom = customRoles(table, portfolioId, customAfter, paging.fetchSize() - fetched.size());
            fetched.addAll(custom);
        }
        // The fixed roles are listed for any portfolio id: without a custom role read, only the
        // directory tells a missing portfolio from one that has none.
        if (after == null && custom.isEmpty()) {
            portfolios.require(portfolioId);
        }
        return paging.page(fetched, role -> Cursor.of(Cursor.list(list, portfolioId), role.code()));
    }

    @Transactional
    RoleView defineAccountRole(Caller caller, UUID portfolioId, RoleDefinition definition) {
        requireCurrentRoleManager(caller, portfolioId);
        String wanted = definitionCode(definition);
        boolean standard =
                AccountRole.standardRoles().stream().anyMatch(r -> r.code().equals(wanted));
        String code = code(definition, standard);
        List<String> granted = namedPermissions(
                definition.permissions(),
                name -> parse(AccountPermission.class, name).isPresent(),
                Arrays.toString(AccountPermission.values()));
        List<String> fixedNames = new ArrayList<>(List.of("No access"));
        // A standard role reads in the invitee's language in the invitation e-mail and page, so its name
        // in each of those languages is as reserved as its English one ("Administrateur", "Inhaber").
        for (String language : InvitationLanguages.NAMES.keySet()) {
            Locale locale = Locale.forLanguageTag(language);
            AccountRole.standardRoles().forEach(role -> fixedNames.add(role.displayName(locale)));
        }
        requireRoomForRole(accountRoles, "account", portfolioId);
        requireDistinctRoleName(
                accountRoles, "account", portfolioId, OneLineNames.normalized(definition.name()), fixedNames);
        RoleView role = insertRole(accountRoles, portfolioId, code, definition, granted);
        log(portfolioId, caller, AdminLogAction.ACCOUNT_ROLE_DEFINED, code, "permissions " + granted);
        return role;
    }

    /**
     * Checks in the change's transaction, with the caller's portfolio user row locked, that they may
     * manage account roles as their role stands now: one lowered through another gateway a moment ago
     * counts, although this gateway's permission cache still holds the permission.
     */
    private void requireCurrentRoleManager(Caller caller, UUID portfolioId) {
        users.lockAll(portfolioId, Set.of(caller.userId()));
        access.requireCurrent(caller, portfolioId, PortfolioPermission.ACCOUNT_ROLES_MANAGE);
    }

    /**
     * Makes the definitions of one kind of role of one portfolio take turns from here to their commit,
     * and refuses a role beyond the {@link #MAX_CUSTOM_ROLES} of its kind: two defined at once cannot
     * both find room for the last one.
     */
    private static void requireRoomForRole(CustomRoleRepository<?> roles, String kind, UUID portfolioId) {
        roles.lockNames((kind + "-role-names:" + portfolioId).hashCode());
        if (roles.countOf(portfolioId) >= MAX_CUSTOM_ROLES) {
            throw AdminProblems.tooMany("custom " + kind + " roles", MAX_CUSTOM_ROLES, "code");
        }
    }

    /**
     * Roles are picked and shown by name (the console's role lists, chips, review pages, the invitation
     * e-mails, the admin log), so a custom one's name is neither a fixed role's (an "Owner" offered where
     * the real Owner never is, a "User Management VIEW" that may edit), nor, for account roles, "No
     * access" (the console's removal), nor another custom role's of the same kind in the portfolio, as
     * they read ({@link OneLineNames#comparable}: in any case, a no-break space or an accent sent apart
     * as the plain one). Checked after {@link #requireRoomForRole}, whose turn the definition holds until
     * its commit, so that two defined at once cannot both find the name free.
     */
    private static void requireDistinctRoleName(
            CustomRoleRepository<?> roles, String kind, UUID portfolioId, String name, List<String> fixedNames) {
        String compared = OneLineNames.comparable(name);
        Optional<String> fixed = fixedNames.stream()
                .filter(fixedName -> OneLineNames.comparable(fixedName).equals(compared))
                .findFirst();
        Optional<String> taken = fixed.isPresent()
                ? fixed
                : roles.findAllOf(portfolioId).stream()
                        .map(role -> role.view().name())
                        .filter(other -> OneLineNames.comparable(other).equals(compared))
                        .findFirst();
        if (taken.isPresent()) {
            String other = OneLineNames.shown(taken.get());
            throw AdminProblems.invalid(
                    "name",
                    Quoted.of(name)
                            + (name.equalsIgnoreCase(other)
                                    ? " is the name of "
                                    : " reads as " + Quoted.of(other) + ", the name of ")
                            + (fixed.isPresent() ? "a built-in " + kind + " role" : "another " + kind + " role")
                            + (fixed.isPresent() && kind.equals("account") ? " (or of removing access)" : "")
                            + "; choose another name, so that the two can be told apart");
        }
    }

    @Transactional
    void deleteAccountRole(Caller caller, UUID portfolioId, String code) {
        requireCurrentRoleManager(caller, portfolioId);
        String normalized = code.toUpperCase(Locale.ROOT);
        accountRoles.lock(portfolioId, normalized).orElseThrow(() -> noSuchRole(normalized));
        // Links of accounts whose memberships hold it take this key shared, in the worker's link transaction
        // (AccountLinks.undefinedRoles), and check there that the portfolio defines it: a link under way is
        // waited for, and its account then counted below; one that comes after waits for this deletion, and
        // is refused (409) for the memberships it would bring. Counted without it, an unlinked account's
        // memberships were not seen, and linked at that moment (or after) kept a role the portfolio no
        // longer defined.
        jdbc.sql("SELECT true FROM pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .param("key", "account-role:" + portfolioId + ":" + normalized)
                .query(Boolean.class)
                .single();
        // Tasks still to apply would give it: a submission keeps the roles it names until it commits
        // (TargetResolution.keepRoles), so this sees every task stored before the lock above. Counted
        // before the memberships: the worker makes the membership and ends its task in one commit, so a
        // task that ends between the two counts is seen by the second (the other order missed it).
        long pending = jdbc.sql("""
                        SELECT count(*) FROM jobs.bulk_jobs j
                        JOIN jobs.bulk_tasks t ON t.job_id = j.id
                        WHERE j.portfolio_id = :portfolioId AND j.status IN ('QUEUED', 'IN_PROGRESS')
                          AND t.status = 'PENDING' AND t.role = :code
                        """)
                .param("portfolioId", portfolioId)
                .param("code", normalized)
                .query(Long.class)
                .single();
        if (pending > 0) {
            throw AdminProblems.conflict(
                    "Role in use",
                    "The account role " + normalized + " is given by " + pending
                            + " task(s) of running bulk jobs; wait for them to end, or cancel the jobs, first.");
        }
        long memberships = jdbc.sql("""
                        SELECT count(*) FROM directory.memberships m
                        JOIN directory.accounts a ON a.id = m.account_id
                        WHERE a.portfolio_id = :portfolioId AND m.role = :code
                        """)
                .param("portfolioId", portfolioId)
                .param("code", normalized)
                .query(Long.class)
                .single();
        if (memberships > 0) {
            throw AdminProblems.conflict(
                    "Role in use",
                    "The account role " + normalized + " is held by " + memberships
                            + " membership(s) in this portfolio's accounts; change their role (UPDATE_ROLES) first.");
        }
        accountRoles.deleteById(new CustomRoleRepository.Key(portfolioId, normalized));
        log(portfolioId, caller, AdminLogAction.ACCOUNT_ROLE_DELETED, normalized, "deleted");
    }

    // ---- roles, shared ------------------------------------------------------------------------

    private static String definitionCode(RoleDefinition definition) {
        return definition.code() == null ? "" : definition.code().strip().toUpperCase(Locale.ROOT);
    }

    private static String code(RoleDefinition definition, boolean builtIn) {
        String code = definitionCode(definition);
        if (!code.matches(CODE)) {
            throw AdminProblems.invalid(
                    "code",
                    "must be 1 to 64 letters, digits and underscores starting with a letter, e.g. REGIONAL_LEAD");
        }
        // NO_ACCESS is taken too: the console's role selectors use it for "remove access".
        if (builtIn || code.equals(NO_ACCESS)) {
            throw AdminProblems.invalid(
                    "code",
                    "'" + code + "' is " + (builtIn ? "a built-in role" : "reserved for removing access")
                            + "; choose another code");
        }
        String name = OneLineNames.normalized(definition.name());
        if (OneLineNames.blank(name) || TextLength.of(name) > MAX_NAME) {
            throw AdminProblems.invalid(
                    "name", "is required: 1 to " + MAX_NAME + " characters, not only spaces or invisible ones");
        }
        if (OneLineNames.indexIn(definition.name()) >= 0) {
            throw AdminProblems.invalid("name", OneLineNames.message(definition.name()));
        }
        if (definition.description() != null && TextLength.of(definition.description()) > MAX_DESCRIPTION) {
            throw AdminProblems.invalid("description", "must be at most " + MAX_DESCRIPTION + " characters");
        }
        return code;
    }

    private static List<String> namedPermissions(List<String> names, Predicate<String> known, String knownNames) {
        if (names == null || names.isEmpty()) {
            throw AdminProblems.invalid("permissions", "must name at least one of " + knownNames);
        }
        // Each permission once, as the job requests list each e-mail, account and user once.
        Map<String, Integer> granted = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i) == null ? "" : names.get(i).strip().toUpperCase(Locale.ROOT);
            if (!known.test(name)) {
                throw AdminProblems.invalid(
                        "permissions[" + i + "]",
                        Quoted.of(names.get(i)) + " is not a permission; choose from " + knownNames);
            }
            Integer first = granted.putIfAbsent(name, i);
            if (first != null) {
                throw AdminProblems.invalid(
                        "permissions[" + i + "]",
                        Quoted.of(names.get(i)) + " is listed twice (also permissions[" + first + "])");
            }
        }
        return List.copyOf(granted.keySet());
    }

    private static <E extends Enum<E>> Optional<E> parse(Class<E> type, String name) {
        try {
            return Optional.of(Enum.valueOf(type, name));
        } catch (IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    private static RoleView insertRole(
            CustomRoleRepository<?> roles,
            UUID portfolioId,
            String code,
            RoleDefinition definition,
            List<String> granted) {
        String description =
                definition.description() == null ? "" : definition.description().strip();
        String name = OneLineNames.normalized(definition.name());
        if (!roles.insertIfAbsent(portfolioId, code, name, description, granted.toArray(String[]::new))) {
            throw AdminProblems.conflict("Role exists", "This portfolio already has a custom role " + code + ".");
        }
        return new RoleView(code, name, description, granted, true);
    }

    private static RequestRefusedException noSuchRole(String code) {
        return AdminProblems.notFound("This portfolio has no custom role " + code + ".");
    }

    /**
     * The custom roles by code, after {@code afterCode} (when given), at most {@code limit}; a name
     * stored before names were one line with each line break and direction control as U+FFFD
     * ({@link OneLineNames#shown}), as the users list, the e-mails and the logs show it.
     */
    private List<RoleView> customRoles(String table, UUID portfolioId, String afterCode, int limit) {
        String after = afterCode == null ? "" : " AND code > :afterCode";
        JdbcClient.StatementSpec statement = jdbc.sql(
                        "SELECT code, name, description, permissions FROM %s WHERE portfolio_id = :portfolioId%s"
                                        .formatted(table, after)
                                + " ORDER BY code LIMIT :limit")
                .param("portfolioId", portfolioId)
                .param("limit", limit);
        if (afterCode != null) {
            statement = statement.param("afterCode", afterCode);
        }
        return statement
                .query((rs, row) -> new RoleView(
                        rs.getString("code"),
                        OneLineNames.shown(rs.getString("name")),
                        rs.getString("description"),
                        strings(rs.getArray("permissions")),
                        true))
                .list();
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null
                ? List.of()
                : Arrays.stream((Object[]) array.getArray())
                        .map(String::valueOf)
                        .toList();
    }

    // ---- Owner transfer -----------------------------------------------------------------------

    @Transactional
    OwnerTransferView requestTransfer(Caller caller, UUID portfolioId, UUID toUserId) {
        if (toUserId == null) {
            throw AdminProblems.invalid("userId", "is required: the portfolio user who is to become Owner");
        }
        if (toUserId.equals(caller.userId())) {
            throw AdminProblems.invalid("userId", "is you, the Owner already; name another portfolio user");
        }
        // The recipient's row too: a removal of them waits for the offer, and then withdraws it.
        currentOwner(caller, portfolioId, toUserId);
        requireNotClosing(portfolioId);
        // The same offer again (a double click, a retry): the pending one, unchanged and not logged again.
        Optional<OwnerTransferView> pending = pendingTransfer(portfolioId);
        if (pending.isPresent()
                && pending.get().fromUserId().equals(caller.userId())
                && pending.get().toUserId().equals(toUserId)) {
            return pending.get();
        }
        PortfolioUserRepository.Row target = users.findById(new PortfolioUserRepository.Key(portfolioId, toUserId))
                .orElseThrow(() -> AdminProblems.invalid(
                        "userId", "is not a portfolio user of this portfolio; add them as a portfolio user first"));
        // An offer to someone else ends: it is withdrawn, as the log says (the caller's lock holds it).
        Optional<Recipient> replaced = jdbc.sql("""
                        SELECT t.to_user_id, p.email FROM jobs.owner_transfers t
                          JOIN jobs.portfolio_users p ON p.portfolio_id = t.portfolio_id AND p.user_id = t.to_user_id
                         WHERE t.portfolio_id = :portfolioId AND t.to_user_id <> :to
                        """)
                .param("portfolioId", portfolioId)
                .param("to", toUserId)
                .query((rs, row) -> new Recipient(rs.getObject("to_user_id", UUID.class), rs.getString("email")))
                .optional();
        OwnerTransferView transfer = jdbc.sql("""
                        INSERT INTO jobs.owner_transfers AS t (portfolio_id, from_user_id, to_user_id)
                        VALUES (:portfolioId, :from, :to)
                        ON CONFLICT (portfolio_id) DO UPDATE
                            SET from_user_id = excluded.from_user_id, to_user_id = excluded.to_user_id, requested_at = now()
                        """ + " RETURNING " + TRANSFER_COLUMNS)
                .param("portfolioId", portfolioId)
                .param("from", caller.userId())
                .param("to", toUserId)
                .query(PortfolioAdministration::transfer)
                .single();
        replaced.ifPresent(earlier -> log(
                portfolioId,
                caller,
                AdminLogAction.OWNER_TRANSFER_WITHDRAWN,
                earlier.email(),
                "withdrawn: ownership offered to " + target.email() + " instead"));
        log(
                portfolioId,
                caller,
                AdminLogAction.OWNER_TRANSFER_REQUESTED,
                target.email(),
                "ownership offered to " + target.email());
        // Logged as the other changes a restore undoes: a restore to a moment before it loses the offer
        // and brings back the earlier one it withdrew, which its recipient could then accept.
        AdministrativeChanges.made(
                portfolioId,
                caller,
                ownerTransfer(caller.userId(), toUserId) + " offered"
                        + replaced.map(earlier -> ", the offer to portfolio user " + earlier.userId() + " withdrawn")
                                .orElse(""));
        return transfer;
    }

    /** The recipient of an Owner transfer, by id and by the address the log names them with. */
    private record Recipient(UUID userId, String email) {}

    /** How the line of an Owner transfer's change names it: its maker and its recipient, by user id. */
    private static String ownerTransfer(UUID fromUserId, UUID toUserId) {
        return "Owner transfer from portfolio user " + fromUserId + " to portfolio user " + toUserId;
    }

    /**
     * 409 while the Owner's close is under way (marked by its first step, which the caller's lock waited
     * for): ownership changing hands then would leave the close half done, its accounts unlinked and the
     * portfolio open. A close that failed half way holds ownership still for the closure token's validity
     * from its last step; the Owner may close again meanwhile.
     */
    private void requireNotClosing(UUID portfolioId) {
        boolean closing = jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM jobs.closure_tokens
                                       WHERE portfolio_id = :portfolioId
                                         AND closing_since > now() - make_interval(secs => :validity))
                        """)
                .param("portfolioId", portfolioId)
                .param("validity", PortfolioClosure.TOKEN_VALIDITY.toSeconds())
                .query(Boolean.class)
                .single();
        if (closing) {
            throw AdminProblems.conflict(
                    "Portfolio closing",
                    "The Owner is closing this portfolio: ownership cannot change hands while it closes. If the"
                            + " close failed, the Owner may close again, or offer ownership "
                            + PortfolioClosure.TOKEN_VALIDITY.toMinutes() + " minutes after the close stopped.");
        }
    }

    /**
     * Whether the portfolio's last Owner transfer entry is the caller's acceptance: an Owner who calls
     * accept again after accepting, not one who was never offered ownership (the first Owner, say).
     */
    private boolean acceptedLastBy(Caller caller, UUID portfolioId) {
        return lastTransferEntry(portfolioId)
                .filter(entry -> AdminLogAction.OWNER_TRANSFER_ACCEPTED.name().equals(entry.action())
                        && caller.userId().equals(entry.actorUserId()))
                .isPresent();
    }

    /**
     * Whether the portfolio's latest Owner transfer entry is a close's withdrawal of an offer to the
     * caller: no one else is told that the portfolio is closing.
     */
    private boolean offerWithdrawnByClose(Caller caller, UUID portfolioId) {
        return lastTransferEntry(portfolioId)
                .filter(entry -> AdminLogAction.OWNER_TRANSFER_WITHDRAWN.name().equals(entry.action())
                        && PortfolioClosure.WITHDRAWN_BY_CLOSE.equals(entry.detail())
                        && entry.subject() != null
                        && entry.subject()
                                .equals(users.findById(new PortfolioUserRepository.Key(portfolioId, caller.userId()))
                                        .map(PortfolioUserRepository.Row::email)
                                        .orElse(null)))
                .isPresent();
    }

    /** The portfolio's latest Owner transfer entry (an offer, a withdrawal or an acceptance), if any. */
    private Optional<TransferEntry> lastTransferEntry(UUID portfolioId) {
        return jdbc.sql("""
                        SELECT l.action, l.actor_user_id, l.subject, l.detail
                          FROM jobs.portfolio_admin_log l
                         WHERE l.portfolio_id = :portfolioId
                           AND l.action IN ('OWNER_TRANSFER_REQUESTED', 'OWNER_TRANSFER_WITHDRAWN',
                                            'OWNER_TRANSFER_ACCEPTED')
                         ORDER BY l.occurred_at DESC, l.id DESC LIMIT 1
                        """)
                .param("portfolioId", portfolioId)
                .query((rs, row) -> new TransferEntry(
                        rs.getString("action"),
                        rs.getObject("actor_user_id", UUID.class),
                        rs.getString("subject"),
                        rs.getString("detail")))
                .optional();
    }

    private record TransferEntry(String action, UUID actorUserId, String subject, String detail) {}

    @Transactional(readOnly = true)
    Optional<OwnerTransferView> pendingTransfer(UUID portfolioId) {
        return jdbc.sql("SELECT " + TRANSFER_COLUMNS
                        + " FROM jobs.owner_transfers t WHERE t.portfolio_id = :portfolioId")
                .param("portfolioId", portfolioId)
                .query(PortfolioAdministration::transfer)
                .optional();
    }

    /** The Owner withdraws the pending offer; the log's entry names its recipient, as every withdrawal's. */
    @Transactional
    void withdrawTransfer(Caller caller, UUID portfolioId) {
        currentOwner(caller, portfolioId);
        List<Withdrawn> withdrawn = jdbc.sql("""
                        DELETE FROM jobs.owner_transfers t WHERE t.portfolio_id = :portfolioId
                        RETURNING t.from_user_id, t.to_user_id,
                                  (SELECT p.email FROM jobs.portfolio_users p
                                    WHERE p.portfolio_id = t.portfolio_id AND p.user_id = t.to_user_id)
                        """)
                .param("portfolioId", portfolioId)
                .query((rs, row) ->
                        new Withdrawn(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3)))
                .list();
        if (withdrawn.isEmpty()) {
            throw noTransfer();
        }
        for (Withdrawn offer : withdrawn) {
            log(portfolioId, caller, AdminLogAction.OWNER_TRANSFER_WITHDRAWN, offer.toEmail(), "withdrawn");
            AdministrativeChanges.made(
                    portfolioId, caller, ownerTransfer(offer.fromUserId(), offer.toUserId()) + " withdrawn");
        }
    }

    private record Withdrawn(UUID fromUserId, UUID toUserId, String toEmail) {}

    /**
     * The named recipient accepts: they become Owner and the previous Owner becomes Admin, in one
     * transaction; a previous Owner the portfolio's identity provider has deactivated or deleted (SCIM)
     * is removed instead, as its deprovisioning removes every other portfolio user. The accept sent
     * again by the user it made the Owner (its first answer lost) answers as the first did, changing
     * and logging nothing. Anyone else gets 403.
     */
    @Transactional
    PortfolioUserView acceptTransfer(Caller caller, UUID portfolioId) {
        // The portfolio held open first, as for a removal: removing a deprovisioned Owner cancels the jobs
        // they submitted, whose rows a close's last step locks after this lock and before the offer.
        closureLock.holdOpen(portfolioId);
        // FOR UPDATE locks the offer alone, not the portfolio user the column's subquery reads.
        OwnerTransferView transfer = jdbc.sql("SELECT " + TRANSFER_COLUMNS
                        + " FROM jobs.owner_transfers t WHERE t.portfolio_id = :portfolioId FOR UPDATE OF t")
                .param("portfolioId", portfolioId)
                .query(PortfolioAdministration::transfer)
                .optional()
                .orElse(null);
        if (transfer == null && isStoredOwner(caller, portfolioId) && acceptedLastBy(caller, portfolioId)) {
            // A repeat of the accept that made the caller Owner (the offer is used up): it happened.
            return new PortfolioUserView(caller.userId(), caller.email(), "OWNER", permissionsOf("OWNER", List.of()));
        }
        if (transfer == null || !transfer.toUserId().equals(caller.userId())) {
            if (offerWithdrawnByClose(caller, portfolioId)) {
                // The recipient opens the offer the Owner's close withdrew: it is closing, not that no
                // offer was ever made (409 while it closes; once it is closed, or the hold after a close
                // that failed has passed, there is no offer to accept).
                requireNotClosing(portfolioId);
            }
            throw new AccessDeniedException(
                    "There is no Owner transfer of portfolio " + portfolioId + " to you to accept");
        }
        requireNotClosing(portfolioId);
        // The row of the user who made the offer, locked after the offer as the demotion would lock it;
        // the former Owner's while it still holds that role.
        PortfolioUserRepository.Row offeredBy = users.lockAll(portfolioId, Set.of(transfer.fromUserId())).stream()
                .findFirst()
                .orElse(null);
        PortfolioUserRepository.Row former =
                offeredBy != null && BuiltInPortfolioRole.OWNER.name().equals(offeredBy.role()) ? offeredBy : null;
        String offeredByName = offeredBy != null ? offeredBy.email() : userName(transfer.fromUserId());
        // The identity provider deprovisioned the Owner, who kept the role only for the portfolio to have
        // its Owner until this acceptance: they leave now rather than staying on as Admin (its
        // deactivation or deletion came once, and a deleted user is out of its view for good).
        boolean deprovisioned = former != null && deprovisioned(portfolioId, transfer.fromUserId());
        int demoted = 0;
        if (deprovisioned) {
            remove(portfolioId, actor(caller), former, DEPROVISIONED_OWNER_REMOVED);
        } else {
            demoted = jdbc.sql("""
                            UPDATE jobs.portfolio_users SET role = 'ADMIN', updated_at = now()
                            WHERE portfolio_id = :portfolioId AND role = 'OWNER' AND user_id = :from
                            """)
                    .param("portfolioId", portfolioId)
                    .param("from", transfer.fromUserId())
                    .update();
        }
        if (!deprovisioned && demoted == 0 && users.countHolders(portfolioId, "OWNER") > 0) {
            throw AdminProblems.conflict(
                    "Offered by a former Owner",
                    "This offer was made by " + offeredByName
                            + ", who is no longer the Owner; ask the Owner for a new one.");
        }
        int promoted = jdbc.sql("""
                        UPDATE jobs.portfolio_users SET role = 'OWNER', updated_at = now()
                        WHERE portfolio_id = :portfolioId AND user_id = :userId
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", caller.userId())
                .update();
        if (promoted != 1) {
            throw AdminProblems.conflict(
                    "No longer a portfolio user", "You are no longer a portfolio user of this portfolio.");
        }
        // The offer is used up, and a closure confirmation the former Owner asked for is theirs alone.
        for (String table : List.of("jobs.owner_transfers", "jobs.closure_tokens")) {
            jdbc.sql("DELETE FROM " + table + " WHERE portfolio_id = :portfolioId")
                    .param("portfolioId", portfolioId)
                    .update();
        }
        // The former Owner by their address, as every entry names people. (Entries of earlier versions name
        // them by user id, which jobs.remove_deprovisioned_portfolio_users() reads, V188: it looks for an
        // Owner made Admin after their deprovisioning, which this version never does; it removes them.)
        log(
                portfolioId,
                caller,
                AdminLogAction.OWNER_TRANSFER_ACCEPTED,
                caller.email(),
                "ownership accepted from " + offeredByName
                        + (demoted == 1 ? ", who is now " + BuiltInPortfolioRole.ADMIN.displayName() : "")
                        + (deprovisioned
                                ? ", who is no longer a portfolio user (deprovisioned by the identity provider)"
                                : ""));
        AdministrativeChanges.made(
                portfolioId,
                caller,
                ownerTransfer(transfer.fromUserId(), caller.userId()) + " accepted"
                        + (demoted == 1
                                ? ", portfolio user " + transfer.fromUserId() + " now ADMIN"
                                : (deprovisioned
                                        ? ", portfolio user " + transfer.fromUserId()
                                                + " removed (deprovisioned by the identity provider)"
                                        : "")));
        permissions.forget(transfer.fromUserId());
        permissions.forget(caller.userId());
        return new PortfolioUserView(caller.userId(), caller.email(), "OWNER", permissionsOf("OWNER", List.of()));
    }

    /**
     * How an entry or a refusal names a user who is no portfolio user (any more): by their e-mail address
     * in the directory, as the log names everyone; by their id only when the directory has no such user.
     */
    private String userName(UUID userId) {
        return jdbc.sql("SELECT email FROM directory.users WHERE id = :id")
                .param("id", userId)
                .query(String.class)
                .optional()
                .orElse("user " + userId);
    }

    /** Whether the caller's stored portfolio role, as committed now, is the Owner's. */
    private boolean isStoredOwner(Caller caller, UUID portfolioId) {
        return users.findById(new PortfolioUserRepository.Key(portfolioId, caller.userId()))
                .map(row -> BuiltInPortfolioRole.OWNER.name().equals(row.role()))
                .orElse(false);
    }

    /**
     * Whether the portfolio's identity provider deactivated or deleted the user (SCIM), and has not
     * made them active again since. Read without a lock: the identity provider's changes take the
     * offer and the portfolio user rows after their SCIM user, and an acceptance takes no SCIM user.
     */
    private boolean deprovisioned(UUID portfolioId, UUID userId) {
        return jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM jobs.scim_users
                                        WHERE portfolio_id = :portfolioId AND user_id = :userId
                                          AND (NOT active OR deleted_at IS NOT NULL))
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .query(Boolean.class)
                .single();
    }

    /**
     * Locks any pending Owner transfer of the portfolio, then the caller's portfolio user row and those
     * of {@code others} in user id order (the offer first, as accepting a transfer takes it), and reads
     * the caller's role as it now stands: 403 unless they are the Owner, whatever the cache let the
     * request in with. No transfer can be accepted between this check and the change.
     */
    void currentOwner(Caller caller, UUID portfolioId, UUID... others) {
        lockPendingTransfer(portfolioId);
        Set<UUID> locked = new LinkedHashSet<>(List.of(others));
        locked.add(caller.userId());
        users.lockAll(portfolioId, locked);
        access.requireCurrentOwner(caller, portfolioId);
    }

    /** Locks the portfolio's pending Owner transfer, if it has one, until the transaction ends. */
    private void lockPendingTransfer(UUID portfolioId) {
        jdbc.sql("SELECT 1 FROM jobs.owner_transfers WHERE portfolio_id = :portfolioId FOR UPDATE")
                .param("portfolioId", portfolioId)
                .query(Integer.class)
                .optional();
    }

    private static RequestRefusedException noTransfer() {
        return AdminProblems.notFound("This portfolio has no pending Owner transfer.");
    }

    private static OwnerTransferView transfer(ResultSet rs, int row) throws SQLException {
        return new OwnerTransferView(
                rs.getObject("from_user_id", UUID.class),
                rs.getObject("to_user_id", UUID.class),
                rs.getString("to_email"),
                rs.getObject("requested_at", OffsetDateTime.class).toInstant());
    }

    // ---- the log ------------------------------------------------------------------------------

    void log(UUID portfolioId, Caller caller, AdminLogAction action, String subject, String detail) {
        log(portfolioId, actor(caller), action, subject, detail);
    }

    /**
     * An entry by {@code actor}: an administrator, or the portfolio's identity provider (named as its
     * jobs name it: {@value Actor#IDENTITY_PROVIDER_NAME}, with the id of the SCIM token it used).
     */
    private void log(UUID portfolioId, Actor actor, AdminLogAction action, String subject, String detail) {
        insertLogEntry(INSERT_LOG_ENTRY, portfolioId, actor, action, subject, detail, null);
    }

    private static Actor actor(Caller caller) {
        return new Actor(caller.userId(), caller.email());
    }

    /**
     * Records, in a transaction of its own, that the Owner asks to unlink the account, when it is linked
     * to the portfolio: the bulk-worker commits the unlink before the log's entry is written, and this
     * row says so when writing the entry fails. It goes with the entry ({@link #logLinkChange}).
     */
    @Transactional
    void recordUnlinkAsked(UUID portfolioId, UUID accountId) {
        jdbc.sql("""
                        INSERT INTO jobs.account_unlinks_asked (portfolio_id, account_id)
                        SELECT :portfolioId, :accountId
                        WHERE EXISTS (SELECT 1 FROM directory.accounts WHERE id = :accountId AND portfolio_id = :portfolioId)
                        ON CONFLICT (portfolio_id, account_id) DO NOTHING
                        """)
                .param("portfolioId", portfolioId)
                .param("accountId", accountId)
                .update();
    }

    /**
     * Records, in a transaction of its own, that the Owner's close asks to unlink every account now
     * linked to the portfolio, as {@link #recordUnlinkAsked} does for one: the bulk-worker unlinks them
     * all with no entry in this log, so when the close then fails (the portfolio stays open) these rows
     * still say that the portfolio had them, and it reads their activity logs. The close removes them
     * once it ends, and counts first those it asked for that are no longer linked (a row kept from an
     * earlier ask is asked for now: its time moves on to this close); an unlink of one account settles
     * its row as for its own unlink.
     */
    @Transactional
    void recordUnlinksAsked(UUID portfolioId) {
        jdbc.sql("""
                        INSERT INTO jobs.account_unlinks_asked (portfolio_id, account_id)
                        SELECT :portfolioId, id FROM directory.accounts WHERE portfolio_id = :portfolioId
                        ON CONFLICT (portfolio_id, account_id) DO UPDATE SET asked_at = excluded.asked_at
                        """).param("portfolioId", portfolioId).update();
    }

    /**
     * Records, in the turn of a link the bulk-worker made ({@link AccountLinkChanges}), that the Owner's
     * close under way (marked by its first step, within {@link PortfolioClosure#TOKEN_VALIDITY} of its
     * last one) asks to unlink the account too, as {@link #recordUnlinksAsked} did for those linked when
     * it began: its unlinking of every account takes one linked before it, and the close counts the
     * accounts it asked to unlink that are no longer linked. Before, one linked after the close noted the
     * others and before the worker unlinked them was unlinked but not counted. One linked after that
     * unlinking is still linked when the close counts; its last unlinking counts it. Dated by the
     * statement, not by the turn, which may have begun before the close did.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void recordLinkedWhileClosing(UUID portfolioId, UUID accountId) {
        jdbc.sql("""
                        INSERT INTO jobs.account_unlinks_asked (portfolio_id, account_id, asked_at)
                        SELECT :portfolioId, :accountId, statement_timestamp()
                         WHERE EXISTS (SELECT 1 FROM jobs.closure_tokens
                                        WHERE portfolio_id = :portfolioId
                                          AND closing_since > now() - make_interval(secs => :validity))
                        ON CONFLICT (portfolio_id, account_id) DO UPDATE SET asked_at = excluded.asked_at
                        """)
                .param("portfolioId", portfolioId)
                .param("accountId", accountId)
                .param("validity", PortfolioClosure.TOKEN_VALIDITY.toSeconds())
                .update();
    }

    /**
     * Records a link change the log does not show yet: the account is (or is no longer) linked, but the
     * log's latest word on it says otherwise. The request that made the change writes it so; a repeated
     * request (200 already linked, 404 not linked) writes it when writing it failed after the bulk-worker
     * made the change. It runs in the change's turn ({@link AccountLinkChanges}), which holds the
     * account's lock from before the worker is called, so a repeat that arrives while the change is
     * under way waits for its entry and writes nothing.
     *
     * <p>An unlink the Owner asked for while the account was linked ({@link #recordUnlinkAsked}) is
     * settled here, in the entry's transaction: the unlink's own entry, or the repeat's (404), removes
     * the record. An account linked when the portfolio was set up has no link entry, so without the
     * record a repeated unlink could not tell an unlink whose entry was lost from an account never
     * linked. A link leaves the record to the account's next unlink: it cannot tell an unlink asked
     * for before it from one asked for while it ran.
     *
     * <p>A change made now whose action is the log's latest word already (a link after "linked") shows
     * that the change between went unrecorded: an unlink whose answer or entry failed and was not asked
     * again (the Owner saw the account gone and linked it), or a close that failed after the worker had
     * unlinked every account. The missing change is written first, marked as recorded late, then this
     * one, so the log ends with the directory's word and does not drop a change just made. Like an
     * entry recorded when asked again, it names the caller whose change writes it: who made the missing
     * change is not known here. A repeat writes no such entry: the entry it finds may be its own change's.
     *
     * @param askedAgain whether the change was made by an earlier request
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void logLinkChange(UUID portfolioId, Caller caller, UUID accountId, boolean linked, boolean askedAgain) {
        boolean unlinkAsked = !linked
                && jdbc.sql("DELETE FROM jobs.account_unlinks_asked WHERE portfolio_id = :portfolioId"
                                        + " AND account_id = :accountId")
                                .param("portfolioId", portfolioId)
                                .param("accountId", accountId)
                                .update()
                        > 0;
        AdminLogAction action = linked ? AdminLogAction.ACCOUNT_LINKED : AdminLogAction.ACCOUNT_UNLINKED;
        String detail = linked ? "linked" : "unlinked";
        if (!askedAgain) {
            // The opposite change, when the latest entry is this change's action; none with no entry yet.
            AdminLogAction missed = linked ? AdminLogAction.ACCOUNT_UNLINKED : AdminLogAction.ACCOUNT_LINKED;
            int missedWritten = insertLogEntry(
                    INSERT_LINK_CHANGE,
                    portfolioId,
                    actor(caller),
                    missed,
                    accountId.toString(),
                    (linked ? "unlinked" : "linked") + " (recorded late, with the " + (linked ? "link" : "unlink")
                            + " after it: this log had no entry of it)",
                    missed);
            if (missedWritten > 0) {
                AdministrativeChanges.made(portfolioId, caller, linkChange(accountId, !linked));
            }
        }
        int written = insertLogEntry(
                INSERT_LINK_CHANGE,
                portfolioId,
                actor(caller),
                action,
                accountId.toString(),
                askedAgain ? detail + " (recorded when asked again: this log had no entry of it)" : detail,
                // With no entry of the account yet: a change just made is written (an account linked when
                // the portfolio was set up has no link entry, and its unlink must be in the log); a repeat
                // writes only a link, as an account never linked has no unlink to record, unless the unlink
                // was asked for while the account was linked.
                askedAgain && !unlinkAsked
                        ? AdminLogAction.ACCOUNT_UNLINKED
                        : (linked ? AdminLogAction.ACCOUNT_UNLINKED : AdminLogAction.ACCOUNT_LINKED));
        // Logged once, with the entry, as the other changes a restore undoes: undoing an unlink links the
        // account again, its jobs reach it and the invitations the unlink ended can be accepted again.
        if (written > 0) {
            AdministrativeChanges.made(portfolioId, caller, linkChange(accountId, linked));
        }
    }

    /** How the line of a link change names it: the account, by id. */
    private static String linkChange(UUID accountId, boolean linked) {
        return "account " + accountId + (linked ? " linked" : " unlinked");
    }

    private int insertLogEntry(
            String statement,
            UUID portfolioId,
            Actor actor,
            AdminLogAction action,
            String subject,
            String detail,
            AdminLogAction noEntry) {
        JdbcClient.StatementSpec insert = jdbc.sql(statement);
        if (noEntry != null) {
            insert = insert.param("noEntry", noEntry.name());
        }
        return insert.param("id", UUID.randomUUID())
                .param("portfolioId", portfolioId)
                .param("action", action.name())
                .param("actor", actor.userId())
                .param("actorEmail", actor.email())
                .param("subject", subject)
                .param("detail", detail)
                .update();
    }

    @Transactional(readOnly = true)
    /** One page of the administration log, newest first. */
    Page<AdminLogEntry> adminLog(UUID portfolioId, PageRequest paging) {
        String after = paging.after() == null ? "" : " AND (occurred_at, id) < (:afterAt, :afterId)";
        JdbcClient.StatementSpec statement = jdbc.sql(
                        "SELECT id, occurred_at, action, actor_user_id, actor_email, subject, detail"
                                + " FROM jobs.portfolio_admin_log WHERE portfolio_id = :portfolioId" + after
                                + " ORDER BY occurred_at DESC, id DESC LIMIT :fetch")
                .param("portfolioId", portfolioId)
                .param("fetch", paging.fetchSize());
        if (paging.after() != null) {
            statement = statement
                    .param("afterAt", paging.after().micros(0).atOffset(ZoneOffset.UTC))
                    .param("afterId", paging.after().uuid(1));
        }
        List<AdminLogEntry> fetched = statement
                .query((rs, row) -> new AdminLogEntry(
                        rs.getObject("id", UUID.class),
                        rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                        rs.getString("action"),
                        rs.getObject("actor_user_id", UUID.class),
                        rs.getString("actor_email"),
                        rs.getString("subject"),
                        rs.getString("detail")))
                .list();
        if (fetched.isEmpty()) {
            portfolios.require(portfolioId);
        }
        return paging.page(
                fetched, entry -> Cursor.ofTime(Cursor.list(ADMIN_LOG, portfolioId), entry.occurredAt(), entry.id()));
    }
}
