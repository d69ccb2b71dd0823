package dev.jitogen.plugins.inventory;

/**
 * An inventory that cannot be read or used as asked: a missing file, a malformed line (the message starts with
 * {@code FILE:LINE:}), a pattern naming no host or group, or a host whose variables cannot be honoured (a literal
 * password, an unsupported become method). The message names the thing and says how to fix it.
 *
 * <p>Thrown on the thread that loaded the inventory, selected hosts or connected one.
 */
public class InventoryError extends IllegalArgumentException {
    public InventoryError(String message) {
        super(message);
    }

    public InventoryError(String message, Throwable cause) {
        super(message, cause);
    }
}
