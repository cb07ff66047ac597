package io.github.mmunotify.notifier;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A list subscriber that records every callback as "name:kind:event" in a shared log. */
class Recorder implements MmuNotifier {

    final String name;
    final List<String> log;
    final List<InvalidationRange> starts = new CopyOnWriteArrayList<>();
    final List<InvalidationRange> ends = new CopyOnWriteArrayList<>();
    final List<AddressSpace> releases = new CopyOnWriteArrayList<>();

    Recorder(String name, List<String> log) {
        this.name = name;
        this.log = log;
    }

    Recorder(String name) {
        this(name, new CopyOnWriteArrayList<>());
    }

    @Override
    public void release(AddressSpace space) {
        releases.add(space);
        log.add(name + ":release");
    }

    @Override
    public boolean invalidateRangeStart(InvalidationRange range) {
        starts.add(range);
        log.add(name + ":start:" + range.event());
        return true;
    }

    @Override
    public void invalidateRangeEnd(InvalidationRange range) {
        ends.add(range);
        log.add(name + ":end:" + range.event());
    }

    static List<String> copy(List<String> log) {
        return new ArrayList<>(log);
    }

    @Override
    public String toString() {
        return "Recorder[" + name + "]";
    }
}
