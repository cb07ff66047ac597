package io.github.mmunotify.notifier;

/**
 * Why a range of an address space is being invalidated, so that a subscriber can tell a range that
 * goes away for good from one that only changes (the kernel's {@code enum mmu_notifier_event}).
 */
public enum InvalidationEvent {
    /** The range is being unmapped from the address space ({@link AddressSpace#unmap}). */
    UNMAP,
    /** The range stays mapped but its protection changes ({@link AddressSpace#protect}). */
    PROTECTION_CHANGE,
    /** The whole address space is being torn down ({@link AddressSpace#close}). */
    RELEASE,
    /** The region mapped at the range was revoked (or its arena closed) by its owner. */
    REGION_REVOKED
}
