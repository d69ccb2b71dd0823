package dev.jitogen.plugins.command;

import java.util.List;

/**
 * How a privilege tool asks for a password and says it was wrong (Mitogen's {@code password_prompt} and
 * {@code incorrect_prompts}), and the password to type, if any. Matching ignores case.
 *
 * @param password  typed when the prompt appears; null: a prompt fails the connection at once with PasswordError
 * @param prompt    text that ends a password request
 * @param incorrect texts that say the password was refused
 * @param required  texts that say a password was needed (a tool run non-interactively gives up with these)
 * @param tty       the tool reads passwords only from a terminal: run it in a pseudo-terminal (only when a
 *                  password is given; without one it is run non-interactively and fails fast instead)
 */
public record Prompts(String password, String prompt, List<String> incorrect, List<String> required, boolean tty) {
    public Prompts {
        incorrect = List.copyOf(incorrect);
        required = List.copyOf(required);
    }
}
