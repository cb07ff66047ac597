package io.github.mmunotify.core;

/**
 * Thrown by an operation on an object that has been revoked: opening a new handle on a revoked
 * {@link Revocable}, or calling a method (other than read, poll and close) through a handle of
 * one. Unchecked, because revocation can strike between any two calls and no caller can prevent
 * it; see the table in {@link Revocable} for what each kind of operation gets instead.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public class RevokedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The name of the revoked object. */
    private final String objectName;

    /**
     * Creates an exception for the named object.
     *
     * @param objectName the name of the revoked object, as given when it was created
     * @param operation  what the caller tried to do, e.g. {@code "open"}
     */
    public RevokedException(String objectName, String operation) {
        super(operation + " on '" + objectName + "' failed: it has been revoked");
        this.objectName = objectName;
    }

    /**
     * Returns the name of the revoked object.
     *
     * @return the object's name, as given when it was created (e.g. {@link Revocable#name()})
     */
    public String objectName() {
        return objectName;
    }
}
