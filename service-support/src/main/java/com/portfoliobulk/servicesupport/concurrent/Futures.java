package com.portfoliobulk.servicesupport.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work another thread does on the caller's behalf. */
public final class Futures {

    private Futures() {}

    /**
     * Waits for {@code future} and answers its result; when it failed, throws what it failed with (an
     * unchecked exception or error, as the caller would have thrown doing the work itself).
     */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException ex) {
            if (ex.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (ex.getCause() instanceof Error cause) {
                throw cause;
            }
            throw ex;
        }
    }
}
