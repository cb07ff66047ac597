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

    private final String moduleName;
    private final List<String> pins;

    /**
     * @param moduleName the module that could not be unloaded
     * @param pins       a description of each pin that held it (registry, key, thread)
     */
    public ModuleBusyException(String moduleName, List<String> pins) {
        super("module '" + moduleName + "' is busy: " + pins.size() + " pin(s) open " + pins);
        this.moduleName = moduleName;
        this.pins = List.copyOf(pins);
    }

    /** The name of the module that could not be unloaded. */
    public String moduleName() {
        return moduleName;
    }

    /** The pins that held the module when the unload checked, one description each. */
    public List<String> pins() {
        return pins;
    }
}
