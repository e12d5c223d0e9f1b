package com.portfoliobulk.gateway.console;

import java.util.List;
import java.util.Map;
import org.springframework.ui.Model;

/**
 * A page that asks before a change that cannot be undone: what it is, what is lost, and the form
 * that makes it (sent with the session's CSRF token) beside a way back that changes nothing.
 *
 * @param title the page's title
 * @param question the question the page asks, naming what is changed
 * @param losses what is lost, one sentence each
 * @param action the path the form is sent to
 * @param button the form's button
 * @param fields the form's hidden fields (the list's cursor, to return to its page)
 * @param back the address of the page the change was asked from
 * @param backLabel the words of the way back
 */
record Confirmation(
        String title,
        String question,
        List<String> losses,
        String action,
        String button,
        Map<String, String> fields,
        String back,
        String backLabel) {

    /** A question whose way back is named "Cancel". */
    Confirmation(
            String title,
            String question,
            List<String> losses,
            String action,
            String button,
            Map<String, String> fields,
            String back) {
        this(title, question, losses, action, button, fields, back, "Cancel");
    }

    /** Shows the question: the console's confirmation page. */
    String show(Model model) {
        model.addAttribute("confirmation", this);
        return "console/confirm";
    }
}
