package com.portfoliobulk.gateway.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;

/** Writes tasks as RFC 4180 CSV, one line per task, with the same columns as the JSON list. */
final class TaskCsv {

    static final String HEADER =
            "taskId,accountId,userId,email,action,previousRole,newRole,status,reason,error,attempts,appliedAt";

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

    private static String text(Object value) {
        if (value == null) {
            return "";
        }
        String text = Objects.toString(value);
        if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
