package com.portfoliobulk.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The lines a logger (and the loggers under it) writes from now until {@link #close()}, which restores
 * the logger as it was. Services log from their own threads while a test reads: {@link #lines()} copies
 * the lines under the appender's lock, so a reading test never meets a list being added to.
 */
public final class LogLines implements AutoCloseable {

    private final Logger logger;

    private final Level level;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogLines(Logger logger, Level capture) {
        this.logger = logger;
        this.level = logger.getLevel();
        if (capture != null) {
            logger.setLevel(capture);
        }
        appender.start();
        logger.addAppender(appender);
    }

    /** Captures the named logger's lines at the level it has. */
    public static LogLines of(String loggerName) {
        return new LogLines((Logger) LoggerFactory.getLogger(loggerName), null);
    }

    /** Captures the named logger's lines from {@code level} up, whatever its level was. */
    public static LogLines of(String loggerName, Level level) {
        return new LogLines((Logger) LoggerFactory.getLogger(loggerName), level);
    }

    /** The lines written so far, in order. */
    public List<ILoggingEvent> lines() {
        // AppenderBase#doAppend adds each line while holding the appender's lock.
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        logger.setLevel(level);
    }
}
