package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a {@link StackOverflowError} thrown out of an unlock may come from. An unlock may throw it
 * only where no fallback can run: on its own entry (the caller had no stack for the call) or in
 * {@link Thread#currentThread()}. Deeper inside (the lookup of the reader, the store of the unlock
 * count) it is caught and the unlock completed without a call, so no deeper frame may appear above
 * the caller's.
 */
final class UnlockOverflows {

    private UnlockOverflows() {
    }

    /**
     * Fails unless every frame of {@code e} above the first frame of {@code caller} is the unlock
     * ({@code unlockClass.unlockMethod}), or {@code Thread.currentThread()} at the very top.
     */
    static void assertThrownAtTheCall(StackOverflowError e, Class<?> caller, Class<?> unlockClass,
                                      String unlockMethod) {
        StackTraceElement[] stack = e.getStackTrace();
        for (int f = 0; !stack[f].getClassName().equals(caller.getName()); f++) {
            StackTraceElement frame = stack[f];
            boolean allowed = frame.getClassName().equals(unlockClass.getName())
                    && frame.getMethodName().equals(unlockMethod)
                    || f == 0 && frame.getClassName().equals(Thread.class.getName())
                            && frame.getMethodName().equals("currentThread");
            assertTrue(allowed, () -> unlockMethod + "() threw a StackOverflowError from inside: " + frame
                    + " (top " + stack[0] + ")");
        }
    }
}
