package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TaskCsvTests {

    @Test
    void aCellThatWouldOpenAsAFormulaOpensAsText() {
        assertThat(TaskCsv.text("=1+1@evil.test")).isEqualTo("\"'=1+1@evil.test\"");
        assertThat(TaskCsv.text("+1@evil.test")).isEqualTo("\"'+1@evil.test\"");
        assertThat(TaskCsv.text("-2@evil.test")).isEqualTo("\"'-2@evil.test\"");
        assertThat(TaskCsv.text("@sum(a1)@evil.test")).isEqualTo("\"'@sum(a1)@evil.test\"");
        assertThat(TaskCsv.text("\tx")).isEqualTo("\"'\tx\"");
        assertThat(TaskCsv.text("\rx")).isEqualTo("\"'\rx\"");
        assertThat(TaskCsv.text("=HYPERLINK(\"http://evil.test\",\"x\")"))
                .isEqualTo("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\"");
    }

    @Test
    void otherCellsStayAsTheyAre() {
        assertThat(TaskCsv.text("ann=1@brand.example")).isEqualTo("ann=1@brand.example");
        assertThat(TaskCsv.text("a,b")).isEqualTo("\"a,b\"");
        assertThat(TaskCsv.text("")).isEmpty();
        assertThat(TaskCsv.text(null)).isEmpty();
    }
}
