/**
 * JMH benchmarks of the library against the JVM's alternatives, each baseline in the same run.
 */
package io.github.mmunotify.benchmarks;
