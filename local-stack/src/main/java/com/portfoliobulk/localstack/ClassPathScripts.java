package com.portfoliobulk.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** bulk-schema's SQL scripts for operators (under {@code db/}), read from the class path. */
final class ClassPathScripts {

    private ClassPathScripts() {}

    static String read(String name) {
        try (InputStream in = ClassPathScripts.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (bulk-schema)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not read " + name, ex);
        }
    }
}
