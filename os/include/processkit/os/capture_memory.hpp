#pragma once
// Memory for large captures (issue 16): a CaptureStore that grows by
// remapping pages instead of copying, and hands its pages to the result
// string instead of copying them, so capturing N bytes touches about N bytes
// of fresh memory once. The run driver gives every run these stores
// (RunOptions::capture_store); small output stays in an ordinary string.
//
// Thread-safety: none; one store per stream, used from one thread.

#include "processkit/core/capture_store.hpp"
#include "processkit/os/export.hpp"

#include <cstddef>

namespace processkit::os {

/// The stores this platform offers for a run's unbounded captures: page
/// stores on Linux, none elsewhere (an empty factory: the core's blocks).
PROCESSKIT_OS_EXPORT CaptureStoreFactory page_capture_stores();

#if defined(__linux__)
/// Bytes up to `region_threshold` live in a std::string (no system call for
/// the usual small output); past it they move, once, into an anonymous
/// mapping that grows with mremap (no copy, no peak of twice the bytes).
/// take() makes the result string, then moves the mapping's whole pages into
/// it with mremap: only its first and last page are copied. That needs the
/// string's storage to sit at the same offset within a page as the mapping's
/// bytes (glibc's large allocations do: 16 bytes in); otherwise, and for a
/// string below that size, take() copies.
class PROCESSKIT_OS_EXPORT PageCaptureStore final : public CaptureStore {
public:
    static constexpr std::size_t default_region_threshold = 256 * 1024;

    explicit PageCaptureStore(std::size_t region_threshold = default_region_threshold);
    ~PageCaptureStore() override;

    void append(std::string_view first, std::string_view second = {}) override;
    std::string_view view() const noexcept override;
    std::string take() override;
    /// Room after the data once it is in the mapping (none before: small
    /// output stays in a string); the mapping grows to make it.
    std::span<char> writable_tail(std::size_t bytes) override;
    /// Adds `bytes` written into the room to the data.
    void commit(std::size_t bytes) override;

    /// How many bytes the last take() handed over by moving pages.
    std::size_t last_moved_bytes() const noexcept { return last_moved_bytes_; }
    /// Whether the bytes are in the mapping (past the threshold).
    bool in_region() const noexcept { return region_ != nullptr; }

private:
    void reserve_region(std::size_t bytes);
    void populate(std::size_t offset, std::size_t bytes) noexcept;
    void hand_over(char* destination) noexcept;
    void release_region() noexcept;

    std::size_t region_threshold_;
    std::string small_;
    char* region_ = nullptr;       ///< the mapping; the bytes start at lead bytes in
    std::size_t region_bytes_ = 0; ///< its length, a multiple of the page size
    std::size_t size_ = 0;         ///< bytes stored in the mapping
    std::size_t populated_ = 0;    ///< offsets below this are faulted in already
    std::size_t last_moved_bytes_ = 0;
};
#endif

} // namespace processkit::os
