/**
 * Address spaces and mmu notifiers: subscribers that mirror an address space learn of every change
 * before it happens and bind their own lifetime to the space's.
 */
package io.github.mmunotify.notifier;
