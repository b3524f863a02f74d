// The page-backed capture store: what it hands over is byte for byte what was
// appended, whichever way (copied or moved pages) it was handed over.
#include "processkit/os/capture_memory.hpp"

#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <span>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace processkit::os {
namespace {

/// Bytes that differ from page to page and within a page, so a page moved
/// to the wrong place or copied at the wrong offset shows.
std::string pattern(std::size_t n, std::size_t seed) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<char>((i * 131 + seed * 7 + i / 4096) & 0xff);
    }
    return out;
}

std::size_t page() {
    return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

TEST(PageCaptureStore, SmallOutputStaysInAString) {
    PageCaptureStore store(1024);
    store.append("hello", "\n");
    EXPECT_FALSE(store.in_region());
    EXPECT_EQ(store.view(), "hello\n");
    EXPECT_EQ(store.take(), "hello\n");
    EXPECT_EQ(store.last_moved_bytes(), 0u);
    EXPECT_EQ(store.view(), "");
}

TEST(PageCaptureStore, PastTheThresholdTheBytesMoveToTheMappingIntact) {
    PageCaptureStore store(100);
    const std::string a = pattern(60, 1);
    const std::string b = pattern(60, 2);
    store.append(a);
    EXPECT_FALSE(store.in_region());
    store.append(b, "\r\n");
    EXPECT_TRUE(store.in_region());
    EXPECT_EQ(store.view(), a + b + "\r\n");
    EXPECT_EQ(store.take(), a + b + "\r\n");
    EXPECT_FALSE(store.in_region());
}

TEST(PageCaptureStore, EverySizeAroundPageBoundariesComesBackExactly) {
    // Sizes where the first, the whole and the last page change: a string
    // too small to move pages, then ones that move one page or more.
    for (std::size_t n : {std::size_t{1}, page() - 17, page() - 16, page(), 2 * page() - 16,
                          2 * page() - 15, 3 * page(), 5 * page() + 123}) {
        PageCaptureStore store(0);
        const std::string bytes = pattern(n, n);
        // In pieces that straddle page boundaries.
        for (std::size_t at = 0; at < n; at += 1000) {
            store.append(std::string_view(bytes).substr(at, 1000));
        }
        ASSERT_EQ(store.view(), bytes) << n;
        ASSERT_EQ(store.take(), bytes) << n;
    }
}

TEST(PageCaptureStore, ALargeCaptureIsHandedOverByMovingPages) {
    // 48 MiB: past glibc's largest mmap threshold, so the result string has
    // a mapping of its own; when it sits at the store's page offset (glibc:
    // 16 bytes in) all but its first and last page are moved, not copied.
    const std::size_t n = 48u << 20;
    const std::string chunk = pattern(256 * 1024, 3);
    PageCaptureStore store;
    for (std::size_t at = 0; at < n; at += chunk.size()) {
        store.append(chunk);
    }
    const std::string out = store.take();
    ASSERT_EQ(out.size(), n);
    for (std::size_t at = 0; at < n; at += chunk.size()) {
        ASSERT_EQ(std::string_view(out).substr(at, chunk.size()), chunk) << at;
    }
    const bool lined_up = reinterpret_cast<std::uintptr_t>(out.data()) % page() == 16;
    if (lined_up) {
        EXPECT_GE(store.last_moved_bytes(), n - 2 * page());
    } else {
        EXPECT_EQ(store.last_moved_bytes(), 0u); // copied (e.g. a sanitizer's allocator)
    }
}

TEST(PageCaptureStore, ReadsInPlaceOnceInTheMapping) {
    PageCaptureStore store(100);
    EXPECT_TRUE(store.writable_tail(10).empty()); // still a string: append instead
    EXPECT_THROW(store.commit(1), std::logic_error);
    const std::string a = pattern(150, 3);
    store.append(a);
    ASSERT_TRUE(store.in_region());
    std::string expected = a;
    // Rooms of growing size: the mapping grows (and may move) between them;
    // each commit takes part of the room only.
    for (std::size_t want : {std::size_t{10}, page(), 5 * page() + 3, 64 * page()}) {
        const std::span<char> room = store.writable_tail(want);
        ASSERT_GE(room.size(), want);
        const std::string more = pattern(want - 1, want);
        std::copy(more.begin(), more.end(), room.begin());
        store.commit(more.size());
        expected += more;
        ASSERT_EQ(store.view(), expected);
    }
    const std::span<char> room = store.writable_tail(1);
    EXPECT_THROW(store.commit(room.size() + 1), std::logic_error); // past the room
    EXPECT_EQ(store.take(), expected);
}

TEST(PageCaptureStore, TheStoreIsReusableAfterTake) {
    PageCaptureStore store(10);
    store.append(pattern(5000, 4));
    (void)store.take();
    store.append("x");
    EXPECT_FALSE(store.in_region());
    EXPECT_EQ(store.take(), "x");
}

} // namespace
} // namespace processkit::os
