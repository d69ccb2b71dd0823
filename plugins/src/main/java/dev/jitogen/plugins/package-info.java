/**
 * Connection methods beyond {@code local}: ssh, sudo, su, doas and container tools arrive here, each a provider of
 * the connection-method SPI, fetched on demand by intermediate contexts.
 */
package dev.jitogen.plugins;
