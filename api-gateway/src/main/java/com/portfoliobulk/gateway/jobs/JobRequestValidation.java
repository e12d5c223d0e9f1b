package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.gateway.jobs.InviteUsers.AccountInvitation;
import com.portfoliobulk.gateway.jobs.UpdateRolesByAssignment.RoleAssignment;
import com.portfoliobulk.gateway.web.FieldProblem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IllformedLocaleException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Checks the content of a job request on its own (the directory is checked by
 * {@link TargetResolution}) and fills in its defaults. Every problem found is reported at once, up
 * to {@value #MAX_ERRORS} of them.
 *
 * <p>Rules: lists are not empty and hold no {@code null} and no duplicate; e-mail addresses follow
 * {@link EmailAddresses} and are compared (and kept) as it stores them, lower-case, a Unicode domain in
 * its xn-- form; no role is {@code OWNER}; an invitation's language is a BCP 47 tag and its expiry 1 to
 * 30 days.
 */
public final class JobRequestValidation {

    /** At most this many problems are listed in one answer. */
    public static final int MAX_ERRORS = 20;

    private static final int MAX_LANGUAGE_LENGTH = 35;

    /** The first {@link #MAX_ERRORS} problems: a 5 MB body can hold a million bad entries. */
    private final List<FieldProblem> errors = new ArrayList<>();

    private int problems;

    private JobRequestValidation() {}

    /**
     * The request with its defaults filled in.
     *
     * @throws InvalidJobRequestException naming every offending field
     */
    public static ValidatedJobRequest validate(JobRequest request) {
        JobRequestValidation validation = new JobRequestValidation();
        JobRequest normalized = switch (request) {
            case InviteUsers invite -> validation.invite(invite);
            case UpdateRolesByAssignment update -> validation.assignments(update);
            case UpdateRolesBySelection update ->
                new UpdateRolesBySelection(
                        validation.ids("userIds", update.userIds()),
                        validation.ids("accountIds", update.accountIds()),
                        validation.role("role", update.role()));
            case RemoveAccess remove ->
                new RemoveAccess(
                        validation.ids("userIds", remove.userIds()), validation.ids("accountIds", remove.accountIds()));
            case OffboardUsers offboard -> new OffboardUsers(validation.ids("userIds", offboard.userIds()));
            case ResendInvitations resend ->
                new ResendInvitations(
                        validation.ids("userIds", resend.userIds()),
                        validation.ids("accountIds", resend.accountIds()),
                        validation.expiresInDays(resend.expiresInDays()));
            case RevokeInvitations revoke ->
                new RevokeInvitations(
                        validation.ids("userIds", revoke.userIds()), validation.ids("accountIds", revoke.accountIds()));
        };
        if (validation.problems > 0) {
            List<FieldProblem> shown = validation.errors;
            throw new InvalidJobRequestException(
                    "The " + request.type() + " request has " + validation.problems + " problem(s); the first: '"
                            + shown.getFirst().field() + "' " + shown.getFirst().message() + ".",
                    shown);
        }
        return new ValidatedJobRequest(normalized);
    }

    private InviteUsers invite(InviteUsers invite) {
        List<String> emails = new ArrayList<>();
        if (notEmpty("emails", invite.emails())) {
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < invite.emails().size(); i++) {
                String field = "emails[" + i + "]";
                String raw = invite.emails().get(i);
                if (raw == null) {
                    error(field, "must not be null");
                    continue;
                }
                // Checked as typed, and kept as stored (a Unicode domain in its xn-- form): some characters
                // outside ASCII lower-case to ASCII letters (U+212A KELVIN SIGN to k), and would invite
                // another address than the one sent.
                String typed = raw.strip();
                String email = EmailAddresses.stored(typed).orElse(null);
                if (email == null) {
                    error(
                            field,
                            Quoted.of(raw) + " is not a valid e-mail address (" + EmailAddresses.refusal(typed) + ")");
                    continue;
                }
                Integer first = seen.putIfAbsent(email, i);
                if (first != null) {
                    error(field, "'" + email + "' is listed twice (also emails[" + first + "])");
                    continue;
                }
                emails.add(email);
            }
        }
        List<AccountInvitation> accounts = new ArrayList<>();
        if (notEmpty("accounts", invite.accounts())) {
            Map<UUID, Integer> seen = new HashMap<>();
            for (int i = 0; i < invite.accounts().size(); i++) {
                String field = "accounts[" + i + "]";
                AccountInvitation account = invite.accounts().get(i);
                if (account == null) {
                    error(field, "must not be null");
                    continue;
                }
                if (account.accountId() == null) {
                    error(field + ".accountId", "is required");
                    continue;
                }
                Integer first = seen.putIfAbsent(account.accountId(), i);
                if (first != null) {
                    error(
                            field + ".accountId",
                            "'" + account.accountId() + "' is listed twice (also accounts[" + first + "])");
                    continue;
                }
                AccountRole role = account.role() == null ? AccountRole.DEFAULT_INVITATION_ROLE : account.role();
                if (role.isOwner()) {
                    error(field + ".role", ownerMessage());
                    continue;
                }
                accounts.add(new AccountInvitation(account.accountId(), role));
            }
        }
        int days = expiresInDays(invite.expiresInDays());
        return new InviteUsers(List.copyOf(emails), language(invite.language()), List.copyOf(accounts), days);
    }

    /** An invitation's validity in days, default {@link InviteUsers#DEFAULT_EXPIRY_DAYS}. */
    private int expiresInDays(Integer expiresInDays) {
        int days = expiresInDays == null ? InviteUsers.DEFAULT_EXPIRY_DAYS : expiresInDays;
        if (days < 1 || days > InviteUsers.MAX_EXPIRY_DAYS) {
            error("expiresInDays", "must be between 1 and " + InviteUsers.MAX_EXPIRY_DAYS + " days");
        }
        return days;
    }

    private UpdateRolesByAssignment assignments(UpdateRolesByAssignment update) {
        List<RoleAssignment> assignments = new ArrayList<>();
        if (notEmpty("assignments", update.assignments())) {
            Map<List<UUID>, Integer> seen = new HashMap<>();
            for (int i = 0; i < update.assignments().size(); i++) {
                String field = "assignments[" + i + "]";
                RoleAssignment assignment = update.assignments().get(i);
                if (assignment == null) {
                    error(field, "must not be null");
                    continue;
                }
                boolean complete = true;
                if (assignment.userId() == null) {
                    error(field + ".userId", "is required");
                    complete = false;
                }
                if (assignment.accountId() == null) {
                    error(field + ".accountId", "is required");
                    complete = false;
                }
                AccountRole role = role(field + ".role", assignment.role());
                if (!complete || role == null) {
                    continue;
                }
                Integer first = seen.putIfAbsent(List.of(assignment.userId(), assignment.accountId()), i);
                if (first != null) {
                    error(field, "assigns a role to the same user and account as assignments[" + first + "]");
                    continue;
                }
                assignments.add(assignment);
            }
        }
        return new UpdateRolesByAssignment(List.copyOf(assignments));
    }

    private List<UUID> ids(String field, List<UUID> ids) {
        if (!notEmpty(field, ids)) {
            return List.of();
        }
        List<UUID> valid = new ArrayList<>(ids.size());
        Map<UUID, Integer> seen = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            UUID id = ids.get(i);
            if (id == null) {
                error(field + "[" + i + "]", "must not be null");
                continue;
            }
            Integer first = seen.putIfAbsent(id, i);
            if (first != null) {
                error(field + "[" + i + "]", "'" + id + "' is listed twice (also " + field + "[" + first + "])");
                continue;
            }
            valid.add(id);
        }
        return List.copyOf(valid);
    }

    private AccountRole role(String field, AccountRole role) {
        if (role == null) {
            error(field, "is required");
            return null;
        }
        if (role.isOwner()) {
            error(field, ownerMessage());
            return null;
        }
        return role;
    }

    private String language(String language) {
        if (language == null || language.isBlank()) {
            return InviteUsers.DEFAULT_LANGUAGE;
        }
        try {
            Locale locale = new Locale.Builder()
                    .setLanguageTag(language.strip().replace('_', '-'))
                    .build();
            String tag = locale.toLanguageTag();
            if (locale.getLanguage().isEmpty() || tag.length() > MAX_LANGUAGE_LENGTH) {
                error("language", Quoted.of(language) + " is not a language tag such as 'en' or 'de-CH'");
                return InviteUsers.DEFAULT_LANGUAGE;
            }
            return tag;
        } catch (IllformedLocaleException ex) {
            error("language", Quoted.of(language) + " is not a language tag such as 'en' or 'de-CH'");
            return InviteUsers.DEFAULT_LANGUAGE;
        }
    }

    private boolean notEmpty(String field, List<?> list) {
        if (list == null || list.isEmpty()) {
            error(field, "must not be empty");
            return false;
        }
        return true;
    }

    private void error(String field, String message) {
        problems++;
        if (errors.size() < MAX_ERRORS) {
            errors.add(new FieldProblem(field, message));
        }
    }

    private static String ownerMessage() {
        return "must not be OWNER: the account Owner can never be granted, changed or removed from the portfolio"
                + " level; choose one of "
                + AccountRole.standardRoles().stream()
                        .filter(role -> !role.isOwner())
                        .map(AccountRole::code)
                        .toList();
    }
}
