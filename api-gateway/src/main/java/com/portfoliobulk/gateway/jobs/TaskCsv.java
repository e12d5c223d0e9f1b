package com.portfoliobulk.gateway.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;

/**
 * Writes tasks as RFC 4180 CSV, one line per task, with the same columns as the JSON list; cells
 * that would open as a formula are escaped.
 */
final class TaskCsv {

    static final String HEADER =
            "taskId,accountId,userId,email,action,previousRole,newRole,status,reason,error,attempts,appliedAt";

    /** The first characters that make a spreadsheet read a cell as a formula. */
    private static final String FORMULA_STARTS = "=+-@\t\r";

    private final Writer out;

    TaskCsv(Writer out) {
        this.out = out;
    }

    void header() {
        line(HEADER);
    }

    void task(TaskView task) {
        line(String.join(
                ",",
                text(task.taskId()),
                text(task.accountId()),
                text(task.userId()),
                text(task.email()),
                text(task.action()),
                text(task.previousRole()),
                text(task.newRole()),
                text(task.status()),
                text(task.reason()),
                text(task.error()),
                String.valueOf(task.attempts()),
                text(task.appliedAt())));
    }

    private void line(String line) {
        try {
            out.write(line);
            out.write("\r\n");
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * One cell. A cell a spreadsheet would read as a formula (it begins with {@code =}, {@code +},
     * {@code -}, {@code @}, a tab or a carriage return, as an e-mail address may) gets a leading
     * {@code '} and quotes, as OWASP's CSV injection advice says, so it opens as text.
     */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        String text = Objects.toString(value);
        boolean formula = !text.isEmpty() && FORMULA_STARTS.indexOf(text.charAt(0)) >= 0;
        if (formula) {
            text = "'" + text;
        }
        if (formula
                || text.indexOf(',') >= 0
                || text.indexOf('"') >= 0
                || text.indexOf('\n') >= 0
                || text.indexOf('\r') >= 0) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
