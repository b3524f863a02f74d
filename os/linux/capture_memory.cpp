// Compiled as C++23 (os/CMakeLists.txt) for std::string::resize_and_overwrite:
// the one way to size a string without first writing every byte of it, which
// would touch the pages this store exists to hand over untouched.
#include "processkit/os/capture_memory.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <sys/mman.h>
#include <unistd.h>

namespace processkit::os {

namespace {

std::size_t page_size() {
    static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

/// Where the bytes start within the mapping's first page: where glibc puts a
/// large allocation within its own mapping (after a 16-byte chunk header), so
/// the result string's pages line up with the mapping's.
constexpr std::size_t lead = 2 * sizeof(std::size_t);

/// memcpy of a view that may be empty (an empty view's data() may be null,
/// which memcpy must not be given even for zero bytes).
void copy_in(char* to, std::string_view from) noexcept {
    if (!from.empty()) {
        std::memcpy(to, from.data(), from.size());
    }
}

std::size_t round_up(std::size_t n, std::size_t to) {
    return (n + to - 1) / to * to;
}

} // namespace

CaptureStoreFactory page_capture_stores() {
    return [] { return std::make_unique<PageCaptureStore>(); };
}

PageCaptureStore::PageCaptureStore(std::size_t region_threshold)
    : region_threshold_(region_threshold) {}

PageCaptureStore::~PageCaptureStore() {
    release_region();
}

std::string_view PageCaptureStore::view() const noexcept {
    if (region_ == nullptr) {
        return small_;
    }
    return {region_ + lead, size_};
}

void PageCaptureStore::append(std::string_view first, std::string_view second) {
    const std::size_t add = first.size() + second.size();
    if (region_ == nullptr) {
        if (small_.size() + add <= region_threshold_) {
            small_.reserve(small_.size() + add); // strong guarantee
            small_.append(first).append(second);
            return;
        }
        reserve_region(small_.size() + add);
        copy_in(region_ + lead, small_);
        size_ = small_.size();
        small_ = std::string(); // give its memory back
    } else if (lead + size_ + add > region_bytes_) {
        reserve_region(size_ + add);
    }
    copy_in(region_ + lead + size_, first);
    copy_in(region_ + lead + size_ + first.size(), second);
    size_ += add;
}

std::span<char> PageCaptureStore::writable_tail(std::size_t bytes) {
    if (region_ == nullptr) {
        return {}; // appended into the string until it is worth a mapping
    }
    if (lead + size_ + bytes > region_bytes_) {
        reserve_region(size_ + bytes);
    }
    populate(lead + size_, bytes);
    return {region_ + lead + size_, region_bytes_ - lead - size_};
}

void PageCaptureStore::populate(std::size_t offset, std::size_t bytes) noexcept {
    // The room's pages are faulted in here, not by the kernel's copy in
    // read(): a fault there is taken with the pipe locked, and the writer
    // spins on that lock meanwhile (twice the system time, measured).
    const std::size_t page = page_size();
    const std::size_t from = offset / page * page;
    const std::size_t to = std::min(round_up(offset + bytes, page), region_bytes_);
    if (from >= to || to <= populated_) {
        return;
    }
    const std::size_t start = std::max(from, populated_);
#ifdef MADV_POPULATE_WRITE
    if (::madvise(region_ + start, to - start, MADV_POPULATE_WRITE) == 0) {
        populated_ = to;
        return;
    }
#endif
    for (std::size_t at = start; at < to; at += page) { // before Linux 5.14
        *static_cast<volatile char*>(region_ + at) = 0;
    }
    populated_ = to;
}

void PageCaptureStore::commit(std::size_t bytes) {
    if (region_ == nullptr || lead + size_ + bytes > region_bytes_) {
        throw std::logic_error("PageCaptureStore: commit() past the room writable_tail() gave");
    }
    size_ += bytes;
}

void PageCaptureStore::reserve_region(std::size_t bytes) {
    // Doubling: a remap moves page table entries, not bytes, but each call is
    // a system call; untouched pages of the mapping cost no memory.
    const std::size_t wanted =
        round_up(lead + std::max(bytes, 2 * region_bytes_), std::max(page_size(), std::size_t{1}));
    void* grown = region_ == nullptr ? ::mmap(nullptr, wanted, PROT_READ | PROT_WRITE,
                                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                     : ::mremap(region_, region_bytes_, wanted, MREMAP_MAYMOVE);
    if (grown == MAP_FAILED) {
        throw std::bad_alloc();
    }
    region_ = static_cast<char*>(grown);
    region_bytes_ = wanted;
}

std::string PageCaptureStore::take() {
    last_moved_bytes_ = 0;
    if (region_ == nullptr) {
        std::string out = std::move(small_);
        small_.clear(); // a moved-from string is only "valid but unspecified"
        return out;
    }
    std::string out;
    const std::size_t n = size_;
#if defined(__cpp_lib_string_resize_and_overwrite)
    out.resize_and_overwrite(n, [this](char* destination, std::size_t count) {
        hand_over(destination);
        return count;
    });
#else
    out.assign(region_ + lead, n); // copies: no way to size a string without writing it
#endif
    release_region();
    return out;
}

void PageCaptureStore::hand_over(char* destination) noexcept {
    const std::size_t page = page_size();
    const char* source = region_ + lead;
    const std::size_t n = size_;
    const std::size_t head = page - lead; // bytes in the first page, shared with the allocator
    const bool aligned = reinterpret_cast<std::uintptr_t>(destination) % page == lead;
    if (aligned && n > head + page) {
        // Whole pages of the string only: its first page holds the allocator's
        // header and its last page the terminating NUL, so both are copied.
        const std::size_t whole = (n - head) / page * page;
        void* moved = ::mremap(region_ + page, whole, whole, MREMAP_MAYMOVE | MREMAP_FIXED,
                               destination + head);
        if (moved != MAP_FAILED) {
            std::memcpy(destination, source, head);
            std::memcpy(destination + head + whole, region_ + page + whole, n - head - whole);
            last_moved_bytes_ = whole;
            return;
        }
        // Nothing moved (the kernel refused): copy it all below.
    }
    std::memcpy(destination, source, n);
}

void PageCaptureStore::release_region() noexcept {
    if (region_ != nullptr) {
        ::munmap(region_, region_bytes_); // the moved pages left a hole: fine
    }
    region_ = nullptr;
    region_bytes_ = 0;
    size_ = 0;
    populated_ = 0;
}

} // namespace processkit::os
