package com.portfoliobulk.servicesupport.settings;

import java.util.function.Supplier;

/**
 * A setting the service cannot run with, found as it starts: thrown by the check of that setting, it
 * stops the start, and {@link InvalidSettingFailureAnalyzer} reports it as the start's failure, with
 * what is wrong and what to do, instead of a bean's creation error whose reason is buried under
 * "Caused by:".
 */
public class InvalidSettingException extends IllegalStateException {

    private final String setting;

    private final String action;

    /**
     * @param setting the setting as the operator sets it: its environment variable, or its property
     *     when it has none
     * @param problem what is wrong with its value, a sentence naming the setting (the message)
     * @param action what to set instead
     */
    public InvalidSettingException(String setting, String problem, String action) {
        this(setting, problem, action, null);
    }

    /** As {@link #InvalidSettingException(String, String, String)}, found through {@code cause}. */
    public InvalidSettingException(String setting, String problem, String action, Throwable cause) {
        super(problem, cause);
        this.setting = setting;
        this.action = action;
    }

    /**
     * Reads a setting with a check that refuses it with an {@link IllegalStateException} or {@link
     * IllegalArgumentException} whose message names it (a check shared with code that knows nothing of
     * starts): such a refusal becomes this exception, with the same message and the given action.
     */
    public static <T> T reading(String setting, String action, Supplier<T> read) {
        try {
            return read.get();
        } catch (InvalidSettingException refused) {
            throw refused;
        } catch (IllegalStateException | IllegalArgumentException refused) {
            throw new InvalidSettingException(setting, refused.getMessage(), action);
        }
    }

    /** The environment variable, or the property, whose value was refused. */
    public String setting() {
        return setting;
    }

    /** What to set instead. */
    public String action() {
        return action;
    }
}
