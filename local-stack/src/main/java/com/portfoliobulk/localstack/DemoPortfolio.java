package com.portfoliobulk.localstack;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.localstack.DirectorySnapshot.Account;
import com.portfoliobulk.localstack.DirectorySnapshot.Membership;
import com.portfoliobulk.localstack.DirectorySnapshot.User;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * The demo portfolio "Demo Agency": 200 linked brand accounts, each with one Owner, and about 300
 * users with mixed roles, some of them IdP-managed. Generated from a fixed random seed, so every
 * fresh local stack has the same accounts, users and ids, and the README's walkthrough can name them.
 *
 * <p>Users worth knowing:
 *
 * <ul>
 *   <li>{@code admin@demo.example}, the Portfolio Owner (the local stack prints a token for them), Admin
 *       on every account;
 *   <li>{@code leaver@demo.example}, an active member of the first 150 accounts and the Owner of two of
 *       them: the one to offboard in the walkthrough (148 removals, two tasks skipped as {@code
 *       OWNER_PROTECTED});
 *   <li>{@code morgan.sso@demo.example}, IdP-managed, in 60 accounts: any change is skipped as
 *       {@code IDP_MANAGED}.
 * </ul>
 */
public final class DemoPortfolio {

    public static final UUID PORTFOLIO_ID = UUID.fromString("00000000-0000-0000-0000-000000000001");

    public static final String PORTFOLIO_NAME = "Demo Agency";

    public static final int ACCOUNT_COUNT = 200;

    public static final int USER_COUNT = 300;

    public static final UUID ADMIN_ID = userId(1);

    public static final String ADMIN_EMAIL = "admin@demo.example";

    public static final UUID LEAVER_ID = userId(2);

    public static final String LEAVER_EMAIL = "leaver@demo.example";

    /**
     * Someone with no user in the directory yet: the walkthrough invites them, and the local stack
     * prints a bearer token for this address so that they can accept.
     */
    public static final String NEWCOMER_EMAIL = "newcomer@demo.example";

    /** How many accounts the leaver is a member of: the first ones, Owner of the first two. */
    public static final int LEAVER_ACCOUNT_COUNT = 150;

    public static final UUID IDP_MANAGED_USER_ID = userId(3);

    public static final String IDP_MANAGED_USER_EMAIL = "morgan.sso@demo.example";

    /** An account where the leaver is a Manager: the one whose activity log the walkthrough reads. */
    public static final UUID WALKTHROUGH_ACCOUNT_ID = accountId(3);

    private static final long SEED = 20_260_101L;

    private static final int IDP_MANAGED_USER_ACCOUNTS = 60;

    /** Users 4..43 own the accounts the leaver does not. */
    private static final int FIRST_OWNER = 4;

    private static final int OWNER_POOL = 40;

    /** Users 4..23 work on many accounts; the others on a few. */
    private static final int HEAVY_USERS = 20;

    private static final Duration INVITATION_VALIDITY = Duration.ofDays(7);

    private static final List<AccountRole> MEMBER_ROLES = List.of(
            AccountRole.ADMIN,
            AccountRole.MANAGER,
            AccountRole.MANAGER,
            AccountRole.ANALYST,
            AccountRole.ANALYST,
            AccountRole.ANALYST,
            AccountRole.CAMPAIGN_COORDINATOR,
            AccountRole.CAMPAIGN_COORDINATOR,
            AccountRole.CONTENT_CREATOR,
            AccountRole.CONTENT_CREATOR,
            AccountRole.SUPPORT);

    private static final List<String> BRANDS = List.of(
            "Aurora",
            "Blue Harbor",
            "Cedar & Pine",
            "Driftwood",
            "Ember",
            "Fjord",
            "Golden Hour",
            "Highline",
            "Ironbark",
            "Juniper",
            "Kestrel",
            "Lumen",
            "Maple Row",
            "Northwind",
            "Oakmont",
            "Pebble Bay",
            "Quarry",
            "Redwood",
            "Saltmarsh",
            "Tidewater",
            "Upland",
            "Vantage",
            "Willow Creek",
            "Yarrow",
            "Zephyr");

    private static final List<String> CATEGORIES = List.of(
            "Coffee",
            "Outdoor",
            "Apparel",
            "Skincare",
            "Bakery",
            "Cycling",
            "Home",
            "Pet Supply",
            "Wine",
            "Fitness",
            "Travel",
            "Books");

    private static final List<String> FIRST_NAMES = List.of(
            "ada", "alex", "amara", "ben", "carla", "chen", "dana", "diego", "elena", "emil", "farah", "felix", "grace",
            "hana", "hugo", "ines", "ivan", "jade", "jonas", "kai", "lara", "leo", "lina", "luca", "maya", "mateo",
            "nia", "noah", "olga", "omar", "paula", "priya", "quinn", "rafael", "rosa", "sami", "sara", "tariq",
            "tessa", "theo", "uma", "vera", "victor", "wen", "yara", "yusuf", "zoe", "zane");

    private static final List<String> LAST_NAMES = List.of(
            "adams",
            "alvarez",
            "berg",
            "brooks",
            "costa",
            "dubois",
            "eriksen",
            "fischer",
            "garcia",
            "haddad",
            "hughes",
            "ito",
            "jansen",
            "kaur",
            "kowalski",
            "larsen",
            "lopez",
            "meyer",
            "moreau",
            "nakamura",
            "novak",
            "okafor",
            "olsen",
            "patel",
            "quinn",
            "rossi",
            "santos",
            "schmidt",
            "silva",
            "tanaka",
            "torres",
            "varga",
            "wagner",
            "walsh",
            "weber",
            "yilmaz",
            "zhang");

    private static final List<String> DOMAINS = List.of(
            "demo.example",
            "demo.example",
            "demo.example",
            "demo.example",
            "demo.example",
            "studio-north.example",
            "brandpartners.example",
            "freelance.example");

    private DemoPortfolio() {}

    /** The id of the demo's {@code n}-th account (1-based), e.g. {@code 00000000-0000-0000-0001-000000000003}. */
    public static UUID accountId(int n) {
        return UUID.fromString("00000000-0000-0000-0001-%012d".formatted(n));
    }

    /** The id of the demo's {@code n}-th user (1-based), e.g. {@code 00000000-0000-0000-0002-000000000002}. */
    public static UUID userId(int n) {
        return UUID.fromString("00000000-0000-0000-0002-%012d".formatted(n));
    }

    /**
     * The demo portfolio's rows. The same every time but for invitation times, which are relative to
     * {@code now} so that pending invitations are pending when the demo is seeded.
     */
    static DirectorySnapshot generate(Instant now) {
        Random random = new Random(SEED);
        List<Account> accounts = accounts(random);
        List<User> users = users(random);
        Map<UUID, Map<UUID, Membership>> byAccount = new LinkedHashMap<>();
        accounts.forEach(account -> byAccount.put(account.id(), new LinkedHashMap<>()));
        MembershipPlan plan = new MembershipPlan(byAccount, random, now);

        for (int a = 1; a <= ACCOUNT_COUNT; a++) {
            UUID owner = a <= 2 ? LEAVER_ID : userId(FIRST_OWNER + random.nextInt(OWNER_POOL));
            plan.add(accountId(a), owner, AccountRole.OWNER, false);
            plan.add(accountId(a), ADMIN_ID, AccountRole.ADMIN, false);
        }
        for (int a = 3; a <= LEAVER_ACCOUNT_COUNT; a++) {
            AccountRole role = a == 3 ? AccountRole.MANAGER : memberRole(random);
            plan.add(accountId(a), LEAVER_ID, role, false);
        }
        for (int a : distinctAccounts(random, IDP_MANAGED_USER_ACCOUNTS)) {
            plan.add(accountId(a), IDP_MANAGED_USER_ID, memberRole(random), false);
        }
        for (int u = FIRST_OWNER; u <= USER_COUNT; u++) {
            boolean heavy = u < FIRST_OWNER + HEAVY_USERS;
            int count = heavy ? 25 + random.nextInt(56) : 1 + random.nextInt(6);
            for (int a : distinctAccounts(random, count)) {
                plan.add(accountId(a), userId(u), memberRole(random), random.nextInt(100) < 4);
            }
        }
        List<Membership> memberships = new ArrayList<>();
        byAccount.values().forEach(members -> memberships.addAll(members.values()));
        return new DirectorySnapshot(PORTFOLIO_ID, PORTFOLIO_NAME, accounts, users, memberships);
    }

    private static List<Account> accounts(Random random) {
        List<String> names = new ArrayList<>();
        for (String brand : BRANDS) {
            for (String category : CATEGORIES) {
                names.add(brand + " " + category);
            }
        }
        Collections.shuffle(names, random);
        List<Account> accounts = new ArrayList<>();
        for (int a = 1; a <= ACCOUNT_COUNT; a++) {
            accounts.add(new Account(accountId(a), names.get(a - 1)));
        }
        return accounts;
    }

    private static List<User> users(Random random) {
        List<User> users = new ArrayList<>();
        users.add(new User(ADMIN_ID, ADMIN_EMAIL, false));
        users.add(new User(LEAVER_ID, LEAVER_EMAIL, false));
        users.add(new User(IDP_MANAGED_USER_ID, IDP_MANAGED_USER_EMAIL, true));
        Set<String> emails = new HashSet<>(List.of(ADMIN_EMAIL, LEAVER_EMAIL, IDP_MANAGED_USER_EMAIL));
        for (int u = FIRST_OWNER; u <= USER_COUNT; u++) {
            String email;
            do {
                email = (pick(random, FIRST_NAMES) + "." + pick(random, LAST_NAMES) + "@" + pick(random, DOMAINS))
                        .toLowerCase(Locale.ROOT);
            } while (!emails.add(email));
            // Single sign-on is the agency's own: only its staff can be IdP-managed.
            boolean idpManaged = email.endsWith("@demo.example") && random.nextInt(100) < 16;
            users.add(new User(userId(u), email, idpManaged));
        }
        return users;
    }

    private static List<Integer> distinctAccounts(Random random, int count) {
        List<Integer> all = new ArrayList<>();
        for (int a = 1; a <= ACCOUNT_COUNT; a++) {
            all.add(a);
        }
        Collections.shuffle(all, random);
        return all.subList(0, count);
    }

    private static AccountRole memberRole(Random random) {
        return pick(random, MEMBER_ROLES);
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** Adds memberships, one per account and user; the first one wins. */
    private record MembershipPlan(Map<UUID, Map<UUID, Membership>> byAccount, Random random, Instant now) {

        void add(UUID accountId, UUID userId, AccountRole role, boolean invited) {
            Map<UUID, Membership> members = byAccount.get(accountId);
            if (members.containsKey(userId)) {
                return;
            }
            if (!invited) {
                members.put(userId, Membership.active(accountId, userId, role));
                return;
            }
            Instant invitedAt = now.minus(Duration.ofHours(1 + random.nextInt(96)));
            byte[] token = new byte[16];
            random.nextBytes(token);
            members.put(
                    userId,
                    new Membership(
                            accountId,
                            userId,
                            role,
                            MembershipState.INVITED,
                            invitedAt,
                            invitedAt.plus(INVITATION_VALIDITY),
                            HexFormat.of().formatHex(token)));
        }
    }
}
