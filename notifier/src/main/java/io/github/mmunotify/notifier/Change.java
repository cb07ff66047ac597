package io.github.mmunotify.notifier;

/**
 * What an invalidation changes between the starts and the ends (the kernel's page-table update
 * inside {@code mmu_notifier_invalidate_range_start}/{@code _end}). The walk runs it; the mapping
 * table makes them. Its own type so that neither depends on the other.
 */
interface Change {

    /** A change that changes nothing: the invalidation of a region revoke, whose change is the region's own. */
    Change NONE = new Change() {
        @Override
        public void run() {
        }

        @Override
        public String toString() {
            return "Change.NONE";
        }
    };

    /** Makes the change; runs on the walking thread, inside the walk's read section. */
    void run();
}
