package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.gateway.directory.CustomAccountRoles;
import com.portfoliobulk.gateway.directory.MembershipColumns;
import com.portfoliobulk.gateway.directory.PortfolioNotFoundException;
import com.portfoliobulk.gateway.directory.Portfolios;
import com.portfoliobulk.gateway.jobs.InviteUsers.AccountInvitation;
import com.portfoliobulk.gateway.jobs.UpdateRolesByAssignment.RoleAssignment;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.FirstCodes;
import com.portfoliobulk.rules.CurrentMembership;
import com.portfoliobulk.rules.TargetSnapshot;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns a validated job request into its plan of (account, user, action, role) tasks, resolved
 * against the account directory: the one place that decides which tasks a request means, for the
 * submission (which stores them) and for the preview (which walks them and applies the access
 * rules).
 *
 * <p>Resolution checks that every named account is linked to the portfolio and every named user has
 * access to (or a pending invitation to, not one whose expiry has passed) at least one of its
 * accounts; {@code OFFBOARD_USERS} expands to every linked account where the user has a membership.
 * An invitation's plan names an address's user only when it is one of the portfolio's users, as a job
 * may name them: an address whose user only other portfolios know reads as one no user has, so that
 * neither the preview nor a stored task tells who has an account elsewhere in the product (the worker
 * finds the user by address when it applies the task). The plan is a query, so a plan of 100,000 tasks
 * is counted, walked or stored without holding it in memory.
 */
@Component
class TargetResolution {

    /** How many offending ids a 422 answer lists per kind. */
    static final int SHOWN_OFFENDERS = 5;

    private static final int FETCH_SIZE = 1000;

    /**
     * The columns of a plan's query that tell what the access rules decide a task from, for a plan
     * that reads the user's row as {@code u} (an invitation's from a left join, with the address's user
     * wherever it is known: not every address has a user yet) and the account and the membership with
     * {@link #snapshotJoins}.
     */
    private static final String SNAPSHOT_COLUMNS = """
            coalesce(snapshot_account.portfolio_id = :portfolioId, false) AS in_portfolio,
            coalesce(u.idp_managed, false) AS idp_managed,
            snapshot_membership.role AS current_role, snapshot_membership.state AS current_state,
            snapshot_membership.expires_at AS current_expires_at""";

    private final JdbcClient jdbc;

    private final NamedParameterJdbcTemplate streaming;

    private final TransactionTemplate readOnly;

    private final CustomAccountRoles customRoles;

    private final Portfolios portfolios;

    TargetResolution(
            JdbcClient jdbc,
            DataSource dataSource,
            PlatformTransactionManager transactions,
            CustomAccountRoles customRoles,
            Portfolios portfolios) {
        this.jdbc = jdbc;
        this.customRoles = customRoles;
        this.portfolios = portfolios;
        JdbcTemplate template = new JdbcTemplate(dataSource);
        template.setFetchSize(FETCH_SIZE);
        this.streaming = new NamedParameterJdbcTemplate(template);
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
    }

    /**
     * The plan of {@code request} in {@code portfolioId}.
     *
     * @throws PortfolioNotFoundException when the portfolio does not exist
     * @throws InvalidJobRequestException when an account is not linked to the portfolio or a user is
     *     not one of its users; the errors name the first few
     */
    public ResolvedTargets resolve(UUID portfolioId, ValidatedJobRequest request) {
        portfolios.require(portfolioId);
        checkRoles(portfolioId, request.request());
        OffsetDateTime linksReadAt = checkTargets(portfolioId, request.request());
        return plan(portfolioId, request, linksReadAt);
    }

    /**
     * Walks the first {@code limit} targets of the plan in its stable order, with the directory as it
     * is now, a few rows in memory at a time. Runs in a read-only transaction of its own (or joins the
     * caller's).
     *
     * <p>Each plan's query reads what the access rules decide from in the joins it makes anyway (an
     * offboarding's memberships are its plan), and its positions are numbered as {@link #insertTasks}
     * numbers the stored tasks.
     */
    public void forEach(ResolvedTargets targets, long limit, Consumer<PlannedTarget> action) {
        Map<String, Object> params = new HashMap<>(targets.params());
        params.put("limit", limit);
        String sql = """
                SELECT row_number() OVER (%1$s) AS position,
                       plan.account_id, plan.user_id, plan.email, plan.action, plan.role,
                       plan.in_portfolio, plan.idp_managed,
                       plan.current_role, plan.current_state, plan.current_expires_at
                FROM (%2$s) plan
                %1$s
                LIMIT :limit
                """.formatted(targets.order(), targets.select());
        readOnly.executeWithoutResult(
                status -> streaming.query(sql, params, (RowCallbackHandler) row -> action.accept(plannedTarget(row))));
    }

    /**
     * Stores the plan as the tasks of {@code jobId} in one set-based statement, in plan order, at most
     * {@code limit} of them, and answers how many it stored. Runs in the caller's transaction.
     *
     * <p>Task ids are the job id's first 80 bits (its time, version, counter, variant and first 14
     * random bits) followed by the task's 48-bit position in the job: valid version-7 ids, unique as
     * long as no two jobs share those 80 bits (the submission retries with a new job id if they ever
     * do), in the job's order, and far cheaper to make than 100,000 calls of
     * {@code gen_random_uuid()}. Job ids are time-ordered, so a new job's tasks go in at the end of the
     * primary key and of {@code bulk_tasks_by_job}.
     *
     * <p>Each task's {@code created_at} is when the submission read its account's link to the portfolio:
     * the worker skips an invitation, its resending or a role change planned before its account's last
     * unlink, also when the account is linked again by the time it applies. A request that names its
     * accounts read their links in {@link #checkAccounts}, before the caller's transaction, and this
     * statement reads them no more (the plan only names them): its tasks carry that statement's time
     * ({@code :plannedAt}), so that an unlink and a link again while the submission waited (for a key, the
     * portfolio's closure lock, a custom role) leave them planned before the unlink. An offboarding's plan
     * reads the links in this statement: its tasks carry this statement's time ({@code
     * statement_timestamp()}), not the start of the caller's transaction ({@code now()}, the column's
     * default), so that a transaction that began before an unlink and a link again (it waited for a SCIM
     * user's concurrent change) plans against the new link.
     */
    long insertTasks(UUID jobId, ResolvedTargets targets, long limit) {
        Map<String, Object> params = new HashMap<>(targets.params());
        params.put("jobId", jobId);
        params.put("portfolioId", targets.portfolioId());
        params.put("idPrefix", jobId.toString().replace("-", "").substring(0, 20));
        params.put("limit", limit);
        String invitation = "NULL, NULL";
        // An invitation lasts its days of 24 hours each: days of the session's time zone (make_interval's
        // days, the JVM's zone as the driver sets it) would make one across a clock change an hour longer
        // or shorter, and its expiry differ between gateways in different zones.
        if (targets.request().request() instanceof InviteUsers invite) {
            invitation = "CAST(:language AS text), now() + make_interval(hours => 24 * CAST(:expiresInDays AS int))";
            params.put("language", invite.language());
            params.put("expiresInDays", invite.expiresInDays());
        } else if (targets.request().request() instanceof ResendInvitations resend) {
            // A resend keeps each invitation's language; the worker reads it from the invitation.
            invitation = "CAST(NULL AS text), now() + make_interval(hours => 24 * CAST(:expiresInDays AS int))";
            params.put("expiresInDays", resend.expiresInDays());
        }
        String order = targets.order();
        String sql = """
                INSERT INTO jobs.bulk_tasks
                    (id, job_id, portfolio_id, account_id, user_id, email, action, role, language, expires_at,
                     created_at)
                SELECT CAST(CAST(:idPrefix AS text) || lpad(to_hex(row_number() OVER (%s)), 12, '0') AS uuid),
                       :jobId, :portfolioId, plan.account_id, plan.user_id, plan.email, plan.action, plan.role, %s,
                       coalesce(CAST(:plannedAt AS timestamptz), statement_timestamp())
                FROM (%s) plan
                %s
                LIMIT :limit
                """.formatted(order, invitation, targets.select(), order);
        return jdbc.sql(sql).params(params).update();
    }

    /**
     * The plan of the request; {@code linksReadAt}, when the check read the links of the accounts the
     * request names (null for an offboarding, whose plan reads them), is when its tasks are planned.
     */
    private ResolvedTargets plan(UUID portfolioId, ValidatedJobRequest validated, OffsetDateTime linksReadAt) {
        Map<String, Object> params = new HashMap<>();
        params.put("portfolioId", portfolioId);
        params.put("plannedAt", linksReadAt);
        return switch (validated.request()) {
            case InviteUsers invite -> {
                params.put("emails", PostgresArrays.texts(invite.emails()));
                params.put(
                        "accountIds",
                        PostgresArrays.uuids(invite.accounts().stream()
                                .map(AccountInvitation::accountId)
                                .toList()));
                params.put(
                        "roles",
                        PostgresArrays.texts(invite.accounts().stream()
                                .map(account -> account.role().code())
                                .toList()));
                // An invitation names the address's user only when it is one of the portfolio's users:
                // one known only to other portfolios (or by an invitation that has expired) reads as an
                // address no user has, in the preview and in the stored tasks, until the worker applies
                // the task. What the rules decide from is the address's user wherever it is (an
                // IdP-managed user is skipped IDP_MANAGED, the product's rule). The subquery's ORDER BY
                // keeps it from being merged into the cross product, so that each address's user is
                // checked once (or the portfolio's users read once into a hash, for many addresses), not
                // once per account, and keeps the product in address order for the plan's sort.
                yield new ResolvedTargets(
                        portfolioId,
                        validated,
                        """
                        SELECT acc.account_id, u.portfolio_user_id AS user_id, u.email, 'INVITE' AS action, acc.role,
                               u.ord AS ord1, acc.ord AS ord2, %s
                        FROM (SELECT e.email, e.ord, du.id, du.idp_managed,
                                     CASE WHEN %s THEN du.id END AS portfolio_user_id
                              FROM unnest(CAST(:emails AS text[])) WITH ORDINALITY AS e(email, ord)
                              LEFT JOIN directory.users du ON du.email = e.email
                              ORDER BY e.ord) u
                        CROSS JOIN unnest(CAST(:accountIds AS uuid[]), CAST(:roles AS text[]))
                                   WITH ORDINALITY AS acc(account_id, role, ord)
                        %s""".formatted(
                                SNAPSHOT_COLUMNS, portfolioUser("du.id"), snapshotJoins("acc.account_id", "u.id")),
                        "ORDER BY plan.ord1, plan.ord2",
                        params);
            }
            case UpdateRolesByAssignment update -> {
                List<RoleAssignment> assignments = update.assignments();
                params.put(
                        "userIds",
                        PostgresArrays.uuids(
                                assignments.stream().map(RoleAssignment::userId).toList()));
                params.put(
                        "accountIds",
                        PostgresArrays.uuids(assignments.stream()
                                .map(RoleAssignment::accountId)
                                .toList()));
                params.put(
                        "roles",
                        PostgresArrays.texts(assignments.stream()
                                .map(assignment -> assignment.role().code())
                                .toList()));
                yield new ResolvedTargets(
                        portfolioId,
                        validated,
                        """
                        SELECT x.account_id, x.user_id, u.email, 'CHANGE_ROLE' AS action, x.role,
                               x.ord AS ord1, 0 AS ord2, %s
                        FROM unnest(CAST(:userIds AS uuid[]), CAST(:accountIds AS uuid[]), CAST(:roles AS text[]))
                             WITH ORDINALITY AS x(user_id, account_id, role, ord)
                        JOIN directory.users u ON u.id = x.user_id
                        %s""".formatted(SNAPSHOT_COLUMNS, snapshotJoins("x.account_id", "x.user_id")),
                        "ORDER BY plan.ord1",
                        params);
            }
            case UpdateRolesBySelection update ->
                crossProduct(
                        portfolioId,
                        validated,
                        params,
                        update.userIds(),
                        update.accountIds(),
                        TaskAction.CHANGE_ROLE,
                        update.role());
            case RemoveAccess remove ->
                crossProduct(
                        portfolioId, validated, params, remove.userIds(), remove.accountIds(), TaskAction.REMOVE, null);
            case ResendInvitations resend ->
                crossProduct(
                        portfolioId,
                        validated,
                        params,
                        resend.userIds(),
                        resend.accountIds(),
                        TaskAction.RESEND_INVITATION,
                        null);
            case RevokeInvitations revoke ->
                crossProduct(
                        portfolioId,
                        validated,
                        params,
                        revoke.userIds(),
                        revoke.accountIds(),
                        TaskAction.REVOKE_INVITATION,
                        null);
            case OffboardUsers offboard -> {
                params.put("userIds", PostgresArrays.uuids(offboard.userIds()));
                yield new ResolvedTargets(
                        portfolioId,
                        validated,
                        """
                        SELECT tg.account_id, tg.user_id, tg.email, 'REMOVE' AS action, CAST(NULL AS text) AS role,
                               tg.ord AS ord1, tg.account_id AS ord2,
                               true AS in_portfolio, tg.idp_managed,
                               tg.role AS current_role, tg.state AS current_state, tg.expires_at AS current_expires_at
                        FROM (
                            SELECT usr.user_id, usr.ord, u.email, u.idp_managed, m.account_id,
                                   m.role, m.state, m.expires_at
                            FROM unnest(CAST(:userIds AS uuid[])) WITH ORDINALITY AS usr(user_id, ord)
                            JOIN directory.users u ON u.id = usr.user_id
                            JOIN directory.memberships m ON m.user_id = usr.user_id
                            WHERE %s
                               OR NOT EXISTS (SELECT 1 FROM jobs.bulk_jobs j
                                              JOIN jobs.bulk_tasks t ON t.job_id = j.id AND t.status = 'PENDING'
                                                   AND t.action = 'INVITE'
                                              WHERE t.email = u.email AND t.account_id = m.account_id
                                                AND j.portfolio_id = :portfolioId
                                                AND j.status IN ('QUEUED', 'IN_PROGRESS') AND j.type = 'INVITE_USERS')
                            UNION ALL
                            (SELECT DISTINCT ON (usr.user_id, t.account_id)
                                   usr.user_id, usr.ord, u.email, u.idp_managed, t.account_id,
                                   t.role, CAST('INVITED' AS text), CAST(NULL AS timestamptz)
                            FROM jobs.bulk_jobs j
                            JOIN jobs.bulk_tasks t ON t.job_id = j.id AND t.status = 'PENDING' AND t.action = 'INVITE'
                            JOIN directory.users u ON u.email = t.email
                            JOIN unnest(CAST(:userIds AS uuid[])) WITH ORDINALITY AS usr(user_id, ord)
                              ON usr.user_id = u.id
                            WHERE j.portfolio_id = :portfolioId AND j.status IN ('QUEUED', 'IN_PROGRESS')
                              AND j.type = 'INVITE_USERS'
                              AND NOT EXISTS (SELECT 1 FROM directory.memberships m
                                              WHERE m.user_id = u.id AND m.account_id = t.account_id
                                                AND %s)
                            ORDER BY usr.user_id, t.account_id, t.seq)
                        ) tg
                        WHERE (SELECT a.portfolio_id FROM directory.accounts a WHERE a.id = tg.account_id)
                              = :portfolioId
                        """.formatted(MembershipColumns.IN_FORCE, MembershipColumns.IN_FORCE),
                        // Every account where the user has access or a pending invitation, and those a
                        // running job of the portfolio is still to invite them to (only invitation jobs
                        // have INVITE tasks: the pending tasks of other running jobs, a large offboarding's
                        // say, are not read; 24 ms for 100,000 of them before): its task applies after
                        // the invitation's, so they are not left invited there. Such an account is planned
                        // as the first of those invitations will leave it (invited with its role), so the
                        // preview shows the removal the job will make. That goes for an account where the
                        // user's invitation has expired too: the invitation job renews it before the
                        // removal applies, so the expired row gives way to the invitation's. A membership
                        // in force, or an expired one no running job renews, is planned as it is. One row
                        // per user and account either way, as the two conditions exclude each other.
                        // By user as requested; within a user by account id, so the order is total:
                        // the preview and the stored job list a user's accounts alike, whatever order
                        // the join yields them in (a user has one membership per account). What the
                        // access rules decide from is in these joins: the membership is the plan's.
                        // Only the portfolio's accounts, each looked up by its id for each row of tg, a
                        // correlated scalar subquery the planner neither pulls up nor reorders: a join
                        // with the portfolio's accounts let it put them first when its statistics
                        // predate them (an account estimated for a portfolio that has just linked
                        // 100,000), and read tg, the user's memberships, again for each of them (1,000
                        // accounts: 1,000,000 memberships read; 100,000: past the socket timeout).
                        "ORDER BY plan.ord1, plan.ord2",
                        params);
            }
        };
    }

    /**
     * The joins {@link #SNAPSHOT_COLUMNS} read, for rows naming their account and user by these
     * expressions. Left joins on unique keys: a statement that reads none of their columns (the
     * submission's insert) leaves them out of its plan.
     */
    private static String snapshotJoins(String account, String user) {
        return """
                LEFT JOIN directory.accounts snapshot_account ON snapshot_account.id = %1$s
                LEFT JOIN directory.memberships snapshot_membership
                       ON snapshot_membership.account_id = %1$s AND snapshot_membership.user_id = %2$s
                """.formatted(account, user);
    }

    private static ResolvedTargets crossProduct(
            UUID portfolioId,
            ValidatedJobRequest validated,
            Map<String, Object> params,
            List<UUID> userIds,
            List<UUID> accountIds,
            TaskAction action,
            AccountRole role) {
        params.put("userIds", PostgresArrays.uuids(userIds));
        params.put("accountIds", PostgresArrays.uuids(accountIds));
        String roleColumn = "CAST(NULL AS text)";
        if (role != null) {
            params.put("role", role.code());
            roleColumn = "CAST(:role AS text)";
        }
        return new ResolvedTargets(
                portfolioId,
                validated,
                """
                SELECT acc.account_id, usr.user_id, u.email, '%s' AS action, %s AS role,
                       usr.ord AS ord1, acc.ord AS ord2, %s
                FROM unnest(CAST(:userIds AS uuid[])) WITH ORDINALITY AS usr(user_id, ord)
                CROSS JOIN unnest(CAST(:accountIds AS uuid[])) WITH ORDINALITY AS acc(account_id, ord)
                JOIN directory.users u ON u.id = usr.user_id
                %s""".formatted(
                        action.name(), roleColumn, SNAPSHOT_COLUMNS, snapshotJoins("acc.account_id", "usr.user_id")),
                "ORDER BY plan.ord1, plan.ord2",
                params);
    }

    /**
     * Checks the request's accounts and users; answers when the accounts' links were read (null for an
     * offboarding, which names no account).
     */
    private OffsetDateTime checkTargets(UUID portfolioId, JobRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        long[] offending = new long[2];
        Checked accounts = null;
        switch (request) {
            case InviteUsers invite -> {
                List<UUID> ids = invite.accounts().stream()
                        .map(AccountInvitation::accountId)
                        .toList();
                accounts = checkAccounts(portfolioId, ids, i -> "accounts[" + i + "].accountId", errors);
            }
            case UpdateRolesByAssignment update -> {
                List<RoleAssignment> assignments = update.assignments();
                accounts = checkAccounts(
                        portfolioId,
                        assignments.stream().map(RoleAssignment::accountId).toList(),
                        i -> "assignments[" + i + "].accountId",
                        errors);
                offending[1] = checkUsers(
                        portfolioId,
                        assignments.stream().map(RoleAssignment::userId).toList(),
                        i -> "assignments[" + i + "].userId",
                        errors);
            }
            case UpdateRolesBySelection update -> {
                accounts = checkAccounts(portfolioId, update.accountIds(), i -> "accountIds[" + i + "]", errors);
                offending[1] = checkUsers(portfolioId, update.userIds(), i -> "userIds[" + i + "]", errors);
            }
            case RemoveAccess remove -> {
                accounts = checkAccounts(portfolioId, remove.accountIds(), i -> "accountIds[" + i + "]", errors);
                offending[1] = checkUsers(portfolioId, remove.userIds(), i -> "userIds[" + i + "]", errors);
            }
            case OffboardUsers offboard -> offending[1] = checkOffboardedUsers(portfolioId, offboard.userIds(), errors);
            case ResendInvitations resend -> {
                accounts = checkAccounts(portfolioId, resend.accountIds(), i -> "accountIds[" + i + "]", errors);
                offending[1] = checkUsers(portfolioId, resend.userIds(), i -> "userIds[" + i + "]", errors);
            }
            case RevokeInvitations revoke -> {
                accounts = checkAccounts(portfolioId, revoke.accountIds(), i -> "accountIds[" + i + "]", errors);
                offending[1] = checkUsers(portfolioId, revoke.userIds(), i -> "userIds[" + i + "]", errors);
            }
        }
        if (accounts != null) {
            offending[0] = accounts.offenders();
        }
        if (!errors.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (offending[0] > 0) {
                parts.add(offending[0] + " account id(s) are not accounts linked to this portfolio");
            }
            if (offending[1] > 0) {
                parts.add(offending[1] + " user id(s) are not users of this portfolio");
            }
            throw new InvalidJobRequestException(
                    String.join(" and ", parts) + "; `errors` lists the first " + SHOWN_OFFENDERS + " of each.",
                    errors);
        }
        return accounts == null ? null : accounts.at();
    }

    /**
     * A role that is not a standard one must be one of the portfolio's custom account roles; 422
     * naming each field that holds another.
     */
    private void checkRoles(UUID portfolioId, JobRequest request) {
        Map<String, AccountRole> roles = roleFields(request);
        String[] custom = customCodes(roles);
        if (custom.length == 0) {
            return;
        }
        List<String> defined = customRoles.codes(portfolioId);
        List<FieldProblem> errors = new ArrayList<>();
        roles.forEach((field, role) -> {
            if (role != null && !role.isStandard() && !defined.contains(role.code()) && errors.size() < 20) {
                errors.add(new FieldProblem(
                        field,
                        "Unknown role '" + role.code() + "'; known roles: " + AccountRole.standardCodes()
                                + (defined.isEmpty()
                                        ? ""
                                        : " and this portfolio's custom roles " + FirstCodes.of(defined))));
            }
        });
        if (!errors.isEmpty()) {
            throw new InvalidJobRequestException(
                    "Roles must be standard account roles or custom account roles this portfolio defines.", errors);
        }
    }

    /**
     * Keeps the custom account roles the request names from being deleted until the caller's
     * transaction ends, so that no task gives a role deleted since {@link #checkRoles} (a deletion waits
     * for this transaction, then finds the tasks pending); 422 as {@link #checkRoles} when one was
     * deleted meanwhile. Runs in the caller's transaction.
     */
    void keepRoles(ResolvedTargets targets) {
        JobRequest request = targets.request().request();
        String[] custom = customCodes(roleFields(request));
        if (custom.length > 0 && customRoles.keep(targets.portfolioId(), custom) < custom.length) {
            checkRoles(targets.portfolioId(), request);
        }
    }

    /** The account roles of the request, by the field that names each. */
    private static Map<String, AccountRole> roleFields(JobRequest request) {
        Map<String, AccountRole> roles = new LinkedHashMap<>();
        switch (request) {
            case InviteUsers invite -> {
                for (int i = 0; i < invite.accounts().size(); i++) {
                    roles.put(
                            "accounts[" + i + "].role", invite.accounts().get(i).role());
                }
            }
            case UpdateRolesByAssignment update -> {
                for (int i = 0; i < update.assignments().size(); i++) {
                    roles.put(
                            "assignments[" + i + "].role",
                            update.assignments().get(i).role());
                }
            }
            case UpdateRolesBySelection update -> roles.put("role", update.role());
            case RemoveAccess remove -> {}
            case OffboardUsers offboard -> {}
            case ResendInvitations resend -> {}
            case RevokeInvitations revoke -> {}
        }
        return roles;
    }

    private static String[] customCodes(Map<String, AccountRole> roles) {
        return roles.values().stream()
                .filter(role -> role != null && !role.isStandard())
                .map(AccountRole::code)
                .distinct()
                .toArray(String[]::new);
    }

    /** The accounts not linked to the portfolio, and when this read the links. */
    private Checked checkAccounts(
            UUID portfolioId, List<UUID> ids, IntFunction<String> field, List<FieldProblem> errors) {
        return checked("""
                NOT EXISTS (SELECT 1 FROM directory.accounts a WHERE a.id = x.id AND a.portfolio_id = :portfolioId)
                """, portfolioId, ids, field, "is not an account linked to this portfolio", errors);
    }

    /**
     * The condition that {@code user} is one of the portfolio's users: with access or a pending invitation
     * in one of its accounts ({@link MembershipColumns#IN_FORCE}: an invitation whose expiry has passed is
     * none, also before the bulk-worker's expiry sweep deletes it). The users a job may name, and the only
     * users an invitation's plan names before the worker applies it: the product does not tell one
     * portfolio who has an account in another.
     */
    private static String portfolioUser(String user) {
        return """
                EXISTS (SELECT 1 FROM directory.memberships m
                        JOIN directory.accounts a ON a.id = m.account_id
                        WHERE m.user_id = %s AND a.portfolio_id = :portfolioId AND %s)""".formatted(user, MembershipColumns.IN_FORCE);
    }

    /** The users a job may name: the portfolio's users ({@link #portfolioUser}). */
    private long checkUsers(UUID portfolioId, List<UUID> ids, IntFunction<String> field, List<FieldProblem> errors) {
        return offenders(
                "NOT " + portfolioUser("x.id"),
                portfolioId,
                ids,
                field,
                "is not a user of this portfolio (no access to any of its accounts)",
                errors);
    }

    /**
     * The users an offboarding may name: those with access or a pending invitation in the portfolio (not
     * one whose expiry has passed, as {@link #checkUsers}), and those a running job of it is still to
     * invite (the offboarding's plan takes that invitation back), so that an identity provider
     * deactivating someone invited a moment ago offboards them.
     */
    private long checkOffboardedUsers(UUID portfolioId, List<UUID> ids, List<FieldProblem> errors) {
        return offenders(
                """
                NOT %s
                AND NOT EXISTS (SELECT 1 FROM jobs.bulk_jobs j
                                JOIN jobs.bulk_tasks t ON t.job_id = j.id AND t.status = 'PENDING' AND t.action = 'INVITE'
                                JOIN directory.users u ON u.email = t.email
                                WHERE u.id = x.id AND j.portfolio_id = :portfolioId
                                  AND j.status IN ('QUEUED', 'IN_PROGRESS') AND j.type = 'INVITE_USERS')
                """.formatted(portfolioUser("x.id")),
                portfolioId,
                ids,
                i -> "userIds[" + i + "]",
                "is not a user of this portfolio (no access to any of its accounts, and no invitation a running"
                        + " job is to send)",
                errors);
    }

    /** Adds the first few ids failing the condition to {@code errors}; answers how many distinct ids fail. */
    private long offenders(
            String condition,
            UUID portfolioId,
            List<UUID> ids,
            IntFunction<String> field,
            String message,
            List<FieldProblem> errors) {
        return checked(condition, portfolioId, ids, field, message, errors).offenders();
    }

    /** As {@link #offenders}, and when the check's statement read the directory. */
    private Checked checked(
            String condition,
            UUID portfolioId,
            List<UUID> ids,
            IntFunction<String> field,
            String message,
            List<FieldProblem> errors) {
        record Offender(long ord, UUID id, long distinct, OffsetDateTime at) {}
        // One row also when no id fails (ord and id null), for the statement's time.
        List<Offender> offenders = jdbc.sql("""
                        WITH x AS (
                            SELECT x.id, x.ord
                            FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS x(id, ord)
                            WHERE %s
                        )
                        SELECT shown.ord, shown.id, (SELECT count(DISTINCT id) FROM x) AS distinct_ids,
                               statement_timestamp() AS checked_at
                        FROM (SELECT 1) one
                        LEFT JOIN (SELECT x.ord, x.id FROM x ORDER BY x.ord LIMIT :shown) shown ON true
                        ORDER BY shown.ord
                        """.formatted(condition))
                .param("ids", PostgresArrays.uuids(ids))
                .param("portfolioId", portfolioId)
                .param("shown", SHOWN_OFFENDERS)
                .query((row, n) -> new Offender(
                        row.getLong("ord"),
                        row.getObject("id", UUID.class),
                        row.getLong("distinct_ids"),
                        row.getObject("checked_at", OffsetDateTime.class)))
                .list();
        for (Offender offender : offenders) {
            if (offender.id() != null) {
                errors.add(
                        new FieldProblem(field.apply((int) offender.ord() - 1), "'" + offender.id() + "' " + message));
            }
        }
        return new Checked(offenders.getFirst().distinct(), offenders.getFirst().at());
    }

    /** How many distinct ids failed a check, and when its statement read the directory. */
    private record Checked(long offenders, OffsetDateTime at) {}

    private static PlannedTarget plannedTarget(ResultSet row) throws SQLException {
        String currentRole = row.getString("current_role");
        Optional<CurrentMembership> membership = Optional.empty();
        if (currentRole != null) {
            OffsetDateTime expiresAt = row.getObject("current_expires_at", OffsetDateTime.class);
            membership = Optional.of(new CurrentMembership(
                    new AccountRole(currentRole),
                    MembershipState.valueOf(row.getString("current_state")),
                    expiresAt == null ? null : expiresAt.toInstant()));
        }
        String role = row.getString("role");
        return new PlannedTarget(
                row.getLong("position"),
                row.getObject("account_id", UUID.class),
                row.getObject("user_id", UUID.class),
                row.getString("email"),
                TaskAction.valueOf(row.getString("action")),
                role == null ? null : new AccountRole(role),
                new TargetSnapshot(row.getBoolean("in_portfolio"), row.getBoolean("idp_managed"), membership));
    }
}
