package dev.jitogen.plugins.service;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public method of a service class as callable through the {@link ServicePool}, and says who may call it
 * (Mitogen's {@code @expose(policy=...)}). Methods without it are not reachable from other contexts at all.
 *
 * <p>Parameters and the result must be values the framework carries: {@code boolean}, {@code int}, {@code long},
 * {@code String}, {@code byte[]}, {@code List} and {@code Map<String, ?>} of those. A first parameter of type
 * {@link Caller} is not sent: the framework fills it in with who is calling.
 *
 * <p>Threads: the methods it marks run on the {@link ServicePool}'s threads, never on a stream reader thread.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Expose {
    Policy policy();

    /** Who may call an exposed method. */
    enum Policy {
        /** The context itself and its parent chain (Mitogen's {@code AllowParents}, {@code has_parent_authority}). */
        PARENTS,
        /** Any context that can reach this one: siblings, children, cousins (Mitogen's {@code AllowAny}). */
        ANY
    }
}
