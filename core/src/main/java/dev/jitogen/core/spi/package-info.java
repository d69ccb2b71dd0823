/**
 * What a connection-method plugin builds against, and nothing else: {@link dev.jitogen.core.spi.ConnectionMethod}
 * (the provider the shell finds with {@code ServiceLoader}), {@link dev.jitogen.core.spi.Launcher} and
 * {@link dev.jitogen.core.spi.ChildProcess} (running the bootstrap command and handing the router its streams),
 * {@link dev.jitogen.core.spi.ViaStart} (starting from another context), {@link dev.jitogen.core.spi.Bootstrap}
 * (the command itself) and {@link dev.jitogen.core.spi.ChildEnvironment} (passwords kept out of children's
 * environments). A method hands its launcher to {@code Router.start} and its via-start to {@code Router.startVia};
 * the rest of what it uses is core's public API.
 *
 * <p>The package depends only on the JDK and core's public API, never on the master layer or the router's
 * internals (core's {@code LayersTest}); plugins depend on core only through the public API and this package
 * (plugins' {@code CoreSurfaceTest}).
 */
package dev.jitogen.core.spi;
