package dev.jitogen.plugins.service;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calling services in contexts this one started (Mitogen's {@code Context.call_service}). The first call to a
 * context activates its {@link ServicePool} with one {@code CALL_FUNCTION} (which only a parent may send); later
 * calls reuse the pool's handle, remembered until the context disconnects.
 *
 * <p>Threads: any thread but a stream reader thread; calls block until the reply.
 */
public final class Services {
    private Services() {}

    /** Pool references by context, dropped as the context disconnects. */
    private static final Map<Context, ServiceRef> REFS = new ConcurrentHashMap<>();

    /** The service pool of {@code context}, activated on first use. Only a parent of {@code context} can do this. */
    public static ServiceRef ref(Context context) {
        ServiceRef ref = REFS.get(context);
        if (ref != null) return ref;
        Router router = context.router();
        int handle = context.call(ServicePool::activate);
        ServiceRef fresh = new ServiceRef(router, context.id(), handle);
        ref = REFS.putIfAbsent(context, fresh);
        if (ref == null) {
            ref = fresh;
            context.onDisconnect(c -> REFS.remove(c));
        }
        return ref;
    }

    /** Calls {@code service.method(args)} in {@code context}, activating the pool and the service on first use. */
    public static Object call(Context context, Class<?> service, String method, Object... args) {
        return ref(context).call(service.getName(), method, args);
    }
}
