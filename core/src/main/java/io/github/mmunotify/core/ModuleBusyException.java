package io.github.mmunotify.core;

import java.util.List;

/**
 * Thrown by {@link LoadableModule#unload()} when references obtained by {@link Registry#lookup} still hold
 * the module. The unload changed nothing: the module is still loaded, its drivers are still
 * registered and its exit hooks have not run. Close the holds named here, then try again.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public class ModuleBusyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The name of the module that could not be unloaded. */
    private final String moduleName;
    /** One description per hold open on the module; unmodifiable. */
    private final List<String> holds;

    /**
     * Creates an exception naming the module and the holds open on it; the message lists them.
     *
     * @param moduleName the module that could not be unloaded
     * @param holds      a description of each hold open on it (registry, key, thread); copied
     * @throws NullPointerException if {@code holds} or one of its elements is null
     */
    public ModuleBusyException(String moduleName, List<String> holds) {
        super("module '" + moduleName + "' is busy: " + holds.size() + " hold(s) open " + holds);
        this.moduleName = moduleName;
        this.holds = List.copyOf(holds);
    }

    /**
     * The name of the module that could not be unloaded.
     *
     * @return the module's name, as given to {@link LoadableModule#create(String)}
     */
    public String moduleName() {
        return moduleName;
    }

    /**
     * The holds open on the module when the unload checked, one description each.
     *
     * @return an unmodifiable list, one description (registry, key, holding thread) per open hold
     */
    public List<String> holds() {
        return holds;
    }

    /**
     * The holds open on the module when the unload checked, under the name used before 0.1.0.
     *
     * @return the same list as {@link #holds()}
     * @deprecated use {@link #holds()}: the lookup result is now {@link Registry.Hold}, so
     *             {@code pin} no longer collides with the {@code mmap} module's {@code Pin}
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    public List<String> pins() {
        return holds();
    }
}
