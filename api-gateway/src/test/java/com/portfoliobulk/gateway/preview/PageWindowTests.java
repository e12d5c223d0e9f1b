package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.rules.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Paging a plan that streams by, also when it changed between two pages. */
class PageWindowTests {

    private static final String PLAN = "plan";

    private final List<PlannedTarget> plan = IntStream.rangeClosed(1, 7)
            .mapToObj(i -> PreviewCursorTests.target(UUID.randomUUID(), "user" + i + "@brand.example", i))
            .toList();

    @Test
    void pagesFollowEachOtherUntilTheLastWhichHasNoCursor() {
        PageWindow.Page first = page(plan, new PageWindow(3, null, PLAN, PreviewCursorTests.KEY));
        PageWindow.Page second = page(plan, new PageWindow(3, first.next(), PLAN, PreviewCursorTests.KEY));
        PageWindow.Page third = page(plan, new PageWindow(3, second.next(), PLAN, PreviewCursorTests.KEY));

        assertThat(positions(first)).containsExactly(1L, 2L, 3L);
        assertThat(positions(second)).containsExactly(4L, 5L, 6L);
        assertThat(positions(third)).containsExactly(7L);
        assertThat(third.next()).isNull();
    }

    @Test
    void aPageThatEndsExactlyWithThePlanHasNoCursor() {
        assertThat(page(plan, new PageWindow(7, null, PLAN, PreviewCursorTests.KEY))
                        .next())
                .isNull();
        assertThat(page(List.of(), new PageWindow(7, null, PLAN, PreviewCursorTests.KEY))
                        .entries())
                .isEmpty();
    }

    @Test
    void whenItemsBeforeTheCursorLeftThePlanTheNextPageStartsAfterTheLastItemShown() {
        PageWindow.Page first = page(plan, new PageWindow(3, null, PLAN, PreviewCursorTests.KEY));
        List<PlannedTarget> shrunk = renumber(plan.subList(1, plan.size()));

        PageWindow.Page second = page(shrunk, new PageWindow(3, first.next(), PLAN, PreviewCursorTests.KEY));

        assertThat(emails(second)).containsExactly(email(4), email(5), email(6));
    }

    @Test
    void whenItemsBeforeTheCursorJoinedThePlanTheNextPageRepeatsNothing() {
        PageWindow.Page first = page(plan, new PageWindow(3, null, PLAN, PreviewCursorTests.KEY));
        List<PlannedTarget> grown = new ArrayList<>();
        grown.add(PreviewCursorTests.target(UUID.randomUUID(), "new@brand.example", 0));
        grown.addAll(plan);

        PageWindow.Page second = page(renumber(grown), new PageWindow(3, first.next(), PLAN, PreviewCursorTests.KEY));

        assertThat(emails(second)).containsExactly(email(4), email(5), email(6));
    }

    @Test
    void whenTheLastItemShownLeftThePlanTheNextPageStartsWhereItWas() {
        PageWindow.Page first = page(plan, new PageWindow(3, null, PLAN, PreviewCursorTests.KEY));
        List<PlannedTarget> without = new ArrayList<>(plan);
        without.remove(2);

        PageWindow.Page second = page(renumber(without), new PageWindow(3, first.next(), PLAN, PreviewCursorTests.KEY));

        assertThat(emails(second)).containsExactly(email(4), email(5), email(6));
    }

    private static PageWindow.Page page(List<PlannedTarget> plan, PageWindow window) {
        plan.forEach(target -> window.offer(target, Decision.change()));
        return window.page();
    }

    private static List<PlannedTarget> renumber(List<PlannedTarget> targets) {
        return IntStream.range(0, targets.size())
                .mapToObj(i -> {
                    PlannedTarget t = targets.get(i);
                    return new PlannedTarget(
                            i + 1, t.accountId(), t.userId(), t.email(), t.action(), t.role(), t.current());
                })
                .toList();
    }

    private static List<Long> positions(PageWindow.Page page) {
        return page.entries().stream().map(entry -> entry.target().position()).toList();
    }

    private static List<String> emails(PageWindow.Page page) {
        return page.entries().stream().map(entry -> entry.target().email()).toList();
    }

    private static String email(int i) {
        return "user" + i + "@brand.example";
    }
}
