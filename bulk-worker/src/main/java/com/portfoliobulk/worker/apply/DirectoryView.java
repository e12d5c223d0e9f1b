package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.rules.CurrentMembership;
import com.portfoliobulk.worker.apply.DirectoryStore.AccountLink;
import com.portfoliobulk.worker.apply.DirectoryStore.DirectoryUser;
import com.portfoliobulk.worker.apply.DirectoryStore.Invitation;
import com.portfoliobulk.worker.apply.DirectoryStore.MembershipChange;
import com.portfoliobulk.worker.apply.DirectoryStore.StoredMembership;
import com.portfoliobulk.worker.expiry.ExpiredInvitation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The directory as one transaction sees it. It loads what a batch's tasks touch with a few queries up
 * front (locking the memberships) and anything else on first use. Membership changes update its own
 * copy at once, so later tasks of the batch see earlier ones' effects, and reach the database in
 * order with {@link #flush()}, batched. Memberships are only ever looked up in the database for
 * pairs this view has not seen, so pending changes are never missed. The users of invited addresses
 * that have none are made in the view as well, and stored all at once with {@link #createUsers()}.
 */
final class DirectoryView {

    private final DirectoryStore store;

    private final Set<UUID> knownAccounts = new HashSet<>();

    private final Map<UUID, AccountLink> linkedPortfolios = new HashMap<>();

    private final Map<UUID, DirectoryUser> usersById = new HashMap<>();

    private final Map<String, DirectoryUser> usersByEmail = new HashMap<>();

    private final Set<UUID> knownUserIds = new HashSet<>();

    private final Set<String> knownEmails = new HashSet<>();

    private final Map<MembershipKey, Optional<CurrentMembership>> memberships = new HashMap<>();

    /**
     * The invitations read from the database whose expiry had passed, until a task renews them: the
     * renewal ends them, and logs their expiry in the sweep's stead.
     */
    private final Map<MembershipKey, StoredMembership> expiredInvitations = new HashMap<>();

    /** The users this view made for invited addresses that had none. */
    private final Map<UUID, DirectoryUser> newUsers = new LinkedHashMap<>();

    /** Membership changes not yet sent; the copy above already shows them. */
    private final List<MembershipChange> changes = new ArrayList<>();

    private DirectoryView(DirectoryStore store) {
        this.store = store;
    }

    /** A view with the accounts, users and (locked) memberships of the given pending tasks loaded. */
    static DirectoryView of(DirectoryStore store, Collection<TaskRow> tasks) {
        DirectoryView view = new DirectoryView(store);
        if (tasks.isEmpty()) {
            return view;
        }
        Set<UUID> accountIds = new HashSet<>();
        Set<UUID> userIds = new HashSet<>();
        Set<String> emails = new HashSet<>();
        for (TaskRow task : tasks) {
            accountIds.add(task.accountId());
            if (task.userId() != null) {
                userIds.add(task.userId());
            }
            if (task.email() != null) {
                emails.add(task.email());
            }
        }
        view.linkedPortfolios.putAll(store.linkedPortfolios(accountIds));
        view.knownAccounts.addAll(accountIds);
        store.users(userIds, emails).forEach(view::remember);
        view.knownUserIds.addAll(userIds);
        view.knownEmails.addAll(emails);
        List<UUID> pairAccounts = new ArrayList<>();
        List<UUID> pairUsers = new ArrayList<>();
        for (TaskRow task : tasks) {
            view.knownUser(task).ifPresent(user -> {
                pairAccounts.add(task.accountId());
                pairUsers.add(user.id());
                view.memberships.put(new MembershipKey(task.accountId(), user.id()), Optional.empty());
            });
        }
        if (!pairAccounts.isEmpty()) {
            store.lockMemberships(pairAccounts, pairUsers).forEach(view::remember);
        }
        return view;
    }

    /**
     * Whether the account is linked to the portfolio, and has been since {@code plannedAt}: a task planned
     * before the account's last unlink is for a link that ended, also once the account is linked again
     * (null {@code plannedAt}: linked now is enough).
     */
    boolean isLinked(UUID accountId, UUID portfolioId, Instant plannedAt) {
        if (knownAccounts.add(accountId)) {
            linkedPortfolios.putAll(store.linkedPortfolios(List.of(accountId)));
        }
        AccountLink link = linkedPortfolios.get(accountId);
        return link != null && link.holdsTaskPlannedAt(portfolioId, plannedAt);
    }

    /** The task's user: by id when the task names one, else (an invitation) by e-mail address. */
    Optional<DirectoryUser> user(TaskRow task) {
        if (task.userId() != null && knownUserIds.add(task.userId())) {
            store.users(List.of(task.userId()), List.of()).forEach(this::remember);
        }
        if (task.userId() == null && task.email() != null && knownEmails.add(task.email())) {
            store.userByEmail(task.email()).ifPresent(this::remember);
        }
        return knownUser(task);
    }

    Optional<CurrentMembership> membership(UUID accountId, UUID userId) {
        MembershipKey key = new MembershipKey(accountId, userId);
        if (!memberships.containsKey(key)) {
            memberships.put(key, Optional.empty());
            if (newUsers.containsKey(userId)) {
                // A user this view made has no memberships but those it gave.
                return Optional.empty();
            }
            store.lockMemberships(List.of(accountId), List.of(userId)).forEach(this::remember);
        }
        return memberships.get(key);
    }

    /**
     * A new user for an invited address that has none, known to this view at once (with no memberships)
     * and stored by {@link #createUsers()} with the batch's other new users.
     */
    DirectoryUser newUser(String email) {
        DirectoryUser user = new DirectoryUser(UUID.randomUUID(), email, false);
        remember(user);
        newUsers.put(user.id(), user);
        return user;
    }

    /**
     * Stores the users made by {@link #newUser}, all in one statement.
     *
     * @return false when an address got a user from another transaction meanwhile: what this view
     *     decided for that address was decided without that user's access, and a new view must decide
     *     again (it finds the user, and the users this one stored)
     */
    boolean createUsers() {
        if (newUsers.isEmpty()) {
            return true;
        }
        return store.createUsers(newUsers.values());
    }

    /**
     * Invites the user; an invitation of theirs that the rules let this one replace (it expired) is
     * renewed in place.
     *
     * @return the expired invitation this one renews, if it renews one the expiry sweep had not ended
     *     yet: it ends now, and its {@code INVITATION_EXPIRED} entry is the caller's to log
     */
    Optional<ExpiredInvitation> invite(UUID accountId, UUID userId, Invitation invitation) {
        MembershipKey key = new MembershipKey(accountId, userId);
        boolean renewExpired = memberships.getOrDefault(key, Optional.empty()).isPresent();
        changes.add(DirectoryStore.invite(accountId, userId, invitation, renewExpired));
        memberships.put(
                key,
                Optional.of(new CurrentMembership(invitation.role(), MembershipState.INVITED, invitation.expiresAt())));
        StoredMembership expired = renewExpired ? expiredInvitations.remove(key) : null;
        if (expired == null) {
            return Optional.empty();
        }
        return Optional.of(new ExpiredInvitation(
                accountId,
                userId,
                usersById.get(userId).email(),
                expired.role(),
                expired.expiresAt(),
                expired.invitationJobId(),
                expired.inviter()));
    }

    /**
     * Notes the {@code INVITATION_EXPIRED} entry of an expired invitation a new one renewed, for the
     * activity log: written with this transaction's changes, published once it committed.
     */
    void noteExpired(ExpiredInvitation expired, UUID portfolioId) {
        changes.add(DirectoryStore.noteExpired(expired, portfolioId));
    }

    /** Renews a pending invitation: new token and expiry. */
    void resend(UUID accountId, UUID userId, Invitation invitation) {
        MembershipKey key = new MembershipKey(accountId, userId);
        CurrentMembership before = memberships.get(key).orElseThrow();
        changes.add(DirectoryStore.resend(accountId, userId, invitation));
        memberships.put(
                key,
                Optional.of(new CurrentMembership(before.role(), MembershipState.INVITED, invitation.expiresAt())));
    }

    void revoke(UUID accountId, UUID userId) {
        changes.add(DirectoryStore.revoke(accountId, userId));
        memberships.put(new MembershipKey(accountId, userId), Optional.empty());
    }

    void changeRole(UUID accountId, UUID userId, AccountRole role, Instant now) {
        MembershipKey key = new MembershipKey(accountId, userId);
        changes.add(DirectoryStore.changeRole(accountId, userId, role, now));
        CurrentMembership before = memberships.get(key).orElseThrow();
        memberships.put(key, Optional.of(new CurrentMembership(role, before.state(), before.expiresAt())));
    }

    void remove(UUID accountId, UUID userId) {
        changes.add(DirectoryStore.remove(accountId, userId));
        memberships.put(new MembershipKey(accountId, userId), Optional.empty());
    }

    /** Sends the membership changes made through this view to the database, in order. */
    void flush() {
        store.apply(changes);
        changes.clear();
    }

    private Optional<DirectoryUser> knownUser(TaskRow task) {
        if (task.userId() != null && usersById.containsKey(task.userId())) {
            return Optional.of(usersById.get(task.userId()));
        }
        return Optional.ofNullable(task.email()).map(usersByEmail::get);
    }

    private void remember(DirectoryUser user) {
        usersById.put(user.id(), user);
        usersByEmail.put(user.email(), user);
        knownUserIds.add(user.id());
        knownEmails.add(user.email());
    }

    private void remember(StoredMembership membership) {
        MembershipKey key = new MembershipKey(membership.accountId(), membership.userId());
        memberships.put(key, Optional.of(current(membership)));
        if (membership.expired()) {
            expiredInvitations.put(key, membership);
        }
    }

    private static CurrentMembership current(StoredMembership membership) {
        return new CurrentMembership(membership.role(), membership.state(), membership.expiresAt());
    }

    private record MembershipKey(UUID accountId, UUID userId) {}
}
