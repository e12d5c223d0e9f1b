package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.ControlCharacters;
import com.portfoliobulk.contracts.UnpairedSurrogates;
import java.util.List;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * How request bodies are read, beyond Jackson 3's defaults (which already refuse nesting deeper than
 * 500 levels, numbers longer than 1,000 digits and anything after the JSON value): a key twice in
 * one object is refused instead of the last one silently winning, so that no two readers of a
 * request can disagree about it; a value of the wrong JSON type is refused instead of converted
 * (no {@code true} read as the text "true", no {@code "7"} or {@code 7.0} as the number 7, and no
 * {@code ""} or {@code "  "} as a number, a truth value or an id left out, which would put the
 * field's default in its place: {@code "expiresInDays": ""} gave invitations the default 7 days); a text
 * with a control character ({@link ControlCharacters}: {@code \u0000} among them, which PostgreSQL
 * cannot store) or with half of a surrogate pair alone ({@link UnpairedSurrogates}: stored as '?') is
 * refused as it is read, naming its field, whichever body it is in; and a field the
 * request does not have is refused instead of dropped: a misspelt {@code "rol"} must not leave an
 * invitation at the default role, nor an {@code accountIds} sent with an offboarding (which takes
 * none: it removes the users from every account) let the client believe it was narrowed.
 *
 * <p>The same mapper reads the answers of the other services' internal APIs; the records it reads
 * them into ignore fields they do not know ({@code @JsonIgnoreProperties(ignoreUnknown = true)}), so
 * that a newer worker can answer an older gateway during a rolling upgrade.
 */
@Configuration(proxyBeanMethods = false)
class JsonReading {

    /**
     * The scalars Jackson reads an empty or blank string as null by default (numbers, truth values,
     * and ids and other values read from text), taken for a field left out.
     */
    private static final List<LogicalType> NO_EMPTY_STRING =
            List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean, LogicalType.OtherScalar);

    @Bean
    JsonMapperBuilderCustomizer strictRequestReading() {
        return builder -> {
            builder.addModule(new SimpleModule("control-characters")
                            .addDeserializer(String.class, new TextWithoutControlCharacters()))
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .withCoercionConfig(
                            LogicalType.Textual,
                            text -> text.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                    .withCoercionConfig(
                            LogicalType.Integer,
                            number -> number.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
            for (LogicalType scalar : NO_EMPTY_STRING) {
                builder.withCoercionConfig(
                        scalar,
                        config -> config.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                                .setAcceptBlankAsEmpty(false));
            }
        };
    }

    /**
     * Every JSON string read as a Java {@code String} (fields of records, elements of lists, values
     * of maps; a job request's fields too, which are read from a copy of them), read as Jackson does
     * and then refused when it has a control character or half of a surrogate pair alone (Jackson
     * decodes {@code \ud800} without looking at what follows). The refusal names the field's path.
     */
    static final class TextWithoutControlCharacters extends StringDeserializer {

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) {
            String text = super.deserialize(parser, context);
            if (ControlCharacters.in(text)) {
                throw new RefusedTextException(parser, ControlCharacters.message(text));
            }
            if (UnpairedSurrogates.in(text)) {
                throw new RefusedTextException(parser, UnpairedSurrogates.message(text));
            }
            return text;
        }
    }

    /**
     * A JSON string with a control character or half of a surrogate pair alone: the request body's
     * 400 names the field and the fix.
     */
    static final class RefusedTextException extends MismatchedInputException {

        RefusedTextException(JsonParser parser, String message) {
            super(parser, message, (Class<?>) null);
        }
    }
}
