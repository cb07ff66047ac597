package io.github.mmunotify.notifier;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Collects the callback failures an {@link Mmu} reports. */
final class Failures implements Consumer<NotifierCallbackException> {

    final List<NotifierCallbackException> reported = new CopyOnWriteArrayList<>();

    @Override
    public void accept(NotifierCallbackException failure) {
        reported.add(failure);
    }
}
