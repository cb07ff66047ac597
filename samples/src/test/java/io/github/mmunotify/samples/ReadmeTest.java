package io.github.mmunotify.samples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README is the front page: its quick start must be the program the build compiles and runs,
 * it must stay short, and nothing it or {@code docs/} links to may be missing. Each check reads
 * the files as they are in the working tree, so a change to one that forgets the other fails here.
 */
class ReadmeTest {

    /** "Under 12 KB": the README must stay a front page, not a manual. */
    private static final long MAX_README_BYTES = 12 * 1024;

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    private static final Path ROOT = repositoryRoot();
    private static final Path README = ROOT.resolve("README.md");
    private static final Path QUICK_START =
            ROOT.resolve("samples/src/main/java/io/github/mmunotify/samples/QuickStart.java");

    @Test
    void theQuickStartIsQuickStartJavaWithoutItsPackageLine() throws IOException {
        List<String> expected = withoutPackageLine(lines(QUICK_START));
        List<String> shown = trimBlankLines(firstJavaBlockAfter(lines(README), "## Quick start"));
        assertFalse(shown.isEmpty(), "the README's quick start has an empty java block");
        assertEquals(String.join("\n", expected), String.join("\n", shown),
                "README.md's quick start differs from QuickStart.java (minus its package line) first at "
                        + firstDifference(expected, shown) + "; copy the file into the README");
    }

    @Test
    void theReadmeIsUnder12KiB() throws IOException {
        long size = Files.size(README);
        assertTrue(size < MAX_README_BYTES,
                "README.md is " + size + " bytes; the front page must stay under " + MAX_README_BYTES
                        + ": move detail into docs/ or a package-info.java");
    }

    @Test
    void everyRelativeLinkInTheReadmeAndDocsPointsAtAFileThatExists() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(README);
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        int checkedInReadme = 0;
        for (Path page : pages) {
            for (String target : relativeLinks(page)) {
                checked++;
                if (page.equals(README)) {
                    checkedInReadme++;
                }
                String problem = problemWith(page, target);
                if (problem != null) {
                    broken.add(ROOT.relativize(page) + ": (" + target + ") " + problem);
                }
            }
        }
        assertTrue(pages.size() > 1, "no markdown files in docs/");
        assertTrue(checkedInReadme > 0, "README.md has no relative link: the link check checked nothing there");
        assertTrue(broken.isEmpty(), checked + " links checked, broken: " + broken);
    }

    @Test
    void theReadmesDependencySnippetNamesTheBuildsGroupAndVersion() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"), StandardCharsets.UTF_8);
        Matcher parent = Pattern.compile(
                "<groupId>([^<]+)</groupId>\\s*<artifactId>mmunotify-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(parent.find(), "the root pom.xml no longer declares mmunotify-parent's groupId and version together");
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        Matcher dependency = Pattern.compile(
                "<groupId>([^<]+)</groupId>\\s*<artifactId>mmunotify-[a-z]+</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(readme);
        assertTrue(dependency.find(), "README.md has no <dependency> snippet for a mmunotify artifact");
        assertEquals(parent.group(1), dependency.group(1), "README.md's groupId");
        assertEquals(parent.group(2), dependency.group(2), "README.md's version");
    }

    private static String firstDifference(List<String> expected, List<String> shown) {
        int line = 0;
        while (line < expected.size() && line < shown.size() && expected.get(line).equals(shown.get(line))) {
            line++;
        }
        String want = line < expected.size() ? expected.get(line) : "<end>";
        String got = line < shown.size() ? shown.get(line) : "<end>";
        return "line " + (line + 1) + " of the block: QuickStart.java has '" + want + "', README.md has '" + got + "'";
    }

    // ---- reading the files ----

    /** The directory holding README.md and mvnw: the samples module's parent when Surefire runs us. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no README.md next to mvnw above " + Path.of("").toAbsolutePath());
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    private static List<String> withoutPackageLine(List<String> source) {
        List<String> rest = new ArrayList<>(source);
        assertTrue(!rest.isEmpty() && rest.get(0).startsWith("package "),
                "QuickStart.java should start with its package line");
        rest.remove(0);
        return trimBlankLines(rest);
    }

    private static List<String> trimBlankLines(List<String> lines) {
        int from = 0;
        int to = lines.size();
        while (from < to && lines.get(from).isBlank()) {
            from++;
        }
        while (to > from && lines.get(to - 1).isBlank()) {
            to--;
        }
        return lines.subList(from, to).stream().map(String::stripTrailing).toList();
    }

    /** The body of the first {@code ```java} fence after the line {@code heading}. */
    private static List<String> firstJavaBlockAfter(List<String> lines, String heading) {
        int at = lines.indexOf(heading);
        if (at < 0) {
            fail("README.md has no line '" + heading + "'");
        }
        for (int i = at + 1; i < lines.size(); i++) {
            if (lines.get(i).startsWith("## ")) {
                break;
            }
            if (lines.get(i).strip().equals("```java")) {
                for (int j = i + 1; j < lines.size(); j++) {
                    if (lines.get(j).strip().equals("```")) {
                        return lines.subList(i + 1, j);
                    }
                }
                fail("the java block under '" + heading + "' is never closed");
            }
        }
        return fail("README.md has no ```java block under '" + heading + "'");
    }

    // ---- links ----

    /** Link targets of the page outside code blocks and code spans, except URLs with a scheme. */
    private static List<String> relativeLinks(Path page) throws IOException {
        List<String> targets = new ArrayList<>();
        boolean inFence = false;
        for (String line : lines(page)) {
            if (line.strip().startsWith("```")) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (m.find()) {
                String target = m.group(1);
                if (!SCHEME.matcher(target).find()) {
                    targets.add(target);
                }
            }
        }
        return targets;
    }

    /** Null if {@code target} (a file, a file#anchor or an #anchor) resolves from {@code page}. */
    private static String problemWith(Path page, String target) throws IOException {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!resolved.startsWith(ROOT)) {
            return "points outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file " + ROOT.relativize(resolved);
        }
        if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
            return "no heading with anchor #" + anchor + " in " + ROOT.relativize(resolved);
        }
        return null;
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
    private static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new HashSet<>();
        boolean inFence = false;
        for (String line : lines(page)) {
            if (line.strip().startsWith("```")) {
                inFence = !inFence;
            } else if (!inFence && line.startsWith("#")) {
                String text = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
                anchors.add(text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
