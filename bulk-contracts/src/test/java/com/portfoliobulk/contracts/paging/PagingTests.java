package com.portfoliobulk.contracts.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class PagingTests {

    @Test
    void aCursorCarriesAnySortKeyThereAndBack() {
        UUID id = UUID.randomUUID();
        Instant at = Instant.parse("2026-11-24T10:00:01.123456Z");
        Cursor cursor = Cursor.of("users", "a.b:c|d\n\u00e9@x.com", id, at, 42);

        Cursor read = Cursor.decode(cursor.encode(), "users");

        assertThat(read).isEqualTo(cursor);
        assertThat(read.text(0)).isEqualTo("a.b:c|d\n\u00e9@x.com");
        assertThat(read.uuid(1)).isEqualTo(id);
        assertThat(read.instant(2)).isEqualTo(at);
        assertThat(read.number(3)).isEqualTo(42);
        assertThat(cursor.encode()).matches("[A-Za-z0-9_.-]+");
    }

    @Test
    void anItemCursorCarriesTheIdAndSignatureOnlyAndRefusesAnyOtherSortKey() {
        UUID id = UUID.randomUUID();

        Cursor read = Cursor.decode(Cursor.ofItem("users", id, "signature").encode(), "users");
        Cursor sortKey =
                Cursor.decode(Cursor.of("users", "ann@example.test", id).encode(), "users");
        Cursor unsigned = Cursor.decode(Cursor.of("users", id).encode(), "users");

        assertThat(read.item()).isEqualTo(id);
        assertThat(read.signature()).isEqualTo("signature");
        assertThat(read.values()).containsExactly(id.toString(), "signature");
        for (Cursor refused : List.of(sortKey, unsigned)) {
            assertThatThrownBy(refused::item)
                    .isInstanceOfSatisfying(
                            InvalidPageRequestException.class,
                            ex -> assertThat(ex.parameter()).isEqualTo("cursor"));
            assertThatThrownBy(refused::signature).isInstanceOf(InvalidPageRequestException.class);
        }
        assertThat(InvalidPageRequestException.itemGone().getMessage())
                .contains("start again")
                .contains("without cursor");
    }

    @Test
    void aCursorOfAnotherListIsRefused() {
        String encoded = Cursor.of("jobs", 1).encode();

        assertThatThrownBy(() -> Cursor.decode(encoded, "tasks"))
                .isInstanceOfSatisfying(
                        InvalidPageRequestException.class,
                        ex -> assertThat(ex.parameter()).isEqualTo("cursor"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"%%%", "not base64!", ".", "dGFza3M.@@"})
    void textThatNoListMadeIsRefused(String cursor) {
        assertThatThrownBy(() -> PageRequest.of(null, cursor, "tasks"))
                .isInstanceOfSatisfying(InvalidPageRequestException.class, ex -> {
                    assertThat(ex.parameter()).isEqualTo("cursor");
                    assertThat(ex.getMessage()).contains("nextCursor of the previous page");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "a\u0001b", "a\u007fb", "\u009f"})
    void aCursorWithAControlCharacterIsRefusedBeforeAnyQuery(String value) {
        String cursor = Cursor.of("users", value, UUID.randomUUID()).encode();

        assertThatThrownBy(() -> PageRequest.of(null, cursor, "users"))
                .isInstanceOfSatisfying(
                        InvalidPageRequestException.class,
                        ex -> assertThat(ex.parameter()).isEqualTo("cursor"));
    }

    @Test
    void aValueOfTheWrongKindIsRefusedAsACursor() {
        Cursor cursor = Cursor.decode(Cursor.of("tasks", "seven").encode(), "tasks");

        assertThatThrownBy(() -> cursor.number(0)).isInstanceOf(InvalidPageRequestException.class);
        assertThatThrownBy(() -> cursor.uuid(0)).isInstanceOf(InvalidPageRequestException.class);
        assertThatThrownBy(() -> cursor.instant(0)).isInstanceOf(InvalidPageRequestException.class);
        assertThatThrownBy(() -> cursor.text(1)).isInstanceOf(InvalidPageRequestException.class);
    }

    @Test
    void anOverlongCursorIsRefused() {
        String cursor =
                Cursor.of("tasks", "x".repeat(Cursor.MAX_ENCODED_LENGTH)).encode();

        assertThatThrownBy(() -> PageRequest.of(null, cursor, "tasks")).isInstanceOf(InvalidPageRequestException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0",
                "501",
                "-1",
                "ten",
                "1.5",
                "99999999999",
                "+10",
                " 10",
                "10 ",
                " ",
                "1e1",
                "0x10",
                "\u0661\u0660"
            })
    void aLimitOutOfRangeOrNotInPlainDigitsIsRefusedNamingTheRange(String limit) {
        assertThatThrownBy(() -> PageRequest.of(limit, null, "jobs"))
                .isInstanceOfSatisfying(InvalidPageRequestException.class, ex -> {
                    assertThat(ex.parameter()).isEqualTo("limit");
                    assertThat(ex.getMessage())
                            .isEqualTo("must be a whole number from 1 to 500, in plain digits (no sign or spaces)");
                });
    }

    @Test
    void theLimitDefaultsTo50() {
        assertThat(PageRequest.of(null, null, "jobs")).isEqualTo(new PageRequest(50, null));
        assertThat(PageRequest.of("", "", "jobs")).isEqualTo(new PageRequest(50, null));
        assertThat(PageRequest.of("500", null, "jobs").limit()).isEqualTo(500);
    }

    @Test
    void leadingZerosAreReadAsDecimal() {
        assertThat(PageRequest.of("010", null, "jobs").limit()).isEqualTo(10);
        assertThat(PageRequest.of("00000000000000000500", null, "jobs").limit()).isEqualTo(500);
    }

    @Test
    void anItemBeyondTheLimitMakesANextCursorAfterThePagesLastItem() {
        PageRequest request = PageRequest.of("2", null, "numbers");

        Page<Integer> page = request.page(List.of(1, 2, 3), n -> Cursor.of("numbers", n));

        assertThat(page.items()).containsExactly(1, 2);
        assertThat(Cursor.decode(page.nextCursor(), "numbers").number(0)).isEqualTo(2);
        assertThat(request.page(List.of(1, 2), n -> Cursor.of("numbers", n)).nextCursor())
                .isNull();
    }

    @Test
    void theNextCursorIsWrittenEvenOnTheLastPage() {
        JsonMapper json = JsonMapper.builder()
                .changeDefaultPropertyInclusion(inclusion ->
                        inclusion.withValueInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL))
                .build();

        assertThat(json.writeValueAsString(new Page<>(List.of("a"), null)))
                .isEqualTo("{\"items\":[\"a\"],\"nextCursor\":null}");
    }
}
