package io.github.mmunotify.core;

import java.util.List;

/**
 * Thrown by {@link Module#unload()} when references obtained by {@link Registry#lookup} still pin
 * the module. The unload changed nothing: the module is still loaded, its drivers are still
 * registered and its exit hooks have not run. Close the pins named here, then try again.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public class ModuleBusyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The name of the module that could not be unloaded. */
    private final String moduleName;
    /** One description per pin that held the module; unmodifiable. */
    private final List<String> pins;

    /**
     * Creates an exception naming the module and the pins that held it; the message lists them.
     *
     * @param moduleName the module that could not be unloaded
     * @param pins       a description of each pin that held it (registry, key, thread); copied
     * @throws NullPointerException if {@code pins} or one of its elements is null
     */
    public ModuleBusyException(String moduleName, List<String> pins) {
        super("module '" + moduleName + "' is busy: " + pins.size() + " pin(s) open " + pins);
        this.moduleName = moduleName;
        this.pins = List.copyOf(pins);
    }

    /**
     * The name of the module that could not be unloaded.
     *
     * @return the module's name, as given to {@link Module#create(String)}
     */
    public String moduleName() {
        return moduleName;
    }

    /**
     * The pins that held the module when the unload checked, one description each.
     *
     * @return an unmodifiable list, one description (registry, key, pinning thread) per open pin
     */
    public List<String> pins() {
        return pins;
    }
}
