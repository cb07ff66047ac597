package io.github.mmunotify.notifier;

import java.util.ArrayList;
import java.util.List;

/**
 * Tries changes that a test expects to be refused with an {@link IllegalStateException} and
 * describes each outcome: {@code "refused"} when the exception's message gives the expected
 * reason, {@code "allowed"} when the change went through, or the message of any other refusal,
 * so that a failing assertion shows what happened instead.
 */
final class RefusalAttempts {

    private RefusalAttempts() {
    }

    /**
     * Runs every change in order, each on its own.
     *
     * @param reason  a word the expected refusal's message contains
     * @param changes the changes to try
     * @return one outcome per change, in order
     */
    static List<String> attempt(String reason, List<Runnable> changes) {
        List<String> outcomes = new ArrayList<>(changes.size());
        for (Runnable change : changes) {
            try {
                change.run();
                outcomes.add("allowed");
            } catch (IllegalStateException refused) {
                outcomes.add(refused.getMessage().contains(reason) ? "refused" : refused.getMessage());
            }
        }
        return outcomes;
    }
}
