#pragma once
// Where an unbounded capture keeps its bytes when the reactor supplies the
// memory (RunOptions::capture_store). The core still decides what is kept
// and where each line ends; a store only holds one contiguous run of bytes
// that grows at its end and is handed over as the result's std::string.
//
// The OS layer's store (os::page_capture_stores()) grows by remapping pages
// and hands the pages themselves to the result, so a large capture touches
// its memory once instead of twice (docs/performance.md, "capture").
//
// Thread-safety: none; one store per stream, used from one thread.

#include "processkit/core/export.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace processkit {

/// One stream's stored bytes, contiguous, growing at the end.
class PROCESSKIT_CORE_EXPORT CaptureStore {
public:
    virtual ~CaptureStore();
    CaptureStore(const CaptureStore&) = delete;
    CaptureStore& operator=(const CaptureStore&) = delete;

    /// Appends `first` then `second`. Throws std::bad_alloc when there is no
    /// memory for them; the store is then unchanged.
    virtual void append(std::string_view first, std::string_view second = {}) = 0;
    /// Everything appended since the last take(); valid until the next
    /// append() or take().
    virtual std::string_view view() const noexcept = 0;
    /// Moves the bytes into a string; the store is left empty.
    virtual std::string take() = 0;
    /// Room for at least `bytes` more bytes right after the data, for a
    /// reader to fill in place (then commit()): the pipe is read straight
    /// into the store, with no copy. Empty when the store cannot offer that
    /// now (the default); the caller then append()s instead. The room is
    /// valid until the next call on the store. Throws std::bad_alloc when
    /// there is no memory for it.
    virtual std::span<char> writable_tail(std::size_t bytes);
    /// Adds the first `bytes` of the room writable_tail() gave last (at most
    /// its size) to the data.
    virtual void commit(std::size_t bytes);

protected:
    CaptureStore() = default;
};

/// Makes the store of one stream; an empty function means "no store": the
/// buffer keeps its bytes in blocks of its own.
using CaptureStoreFactory = std::function<std::unique_ptr<CaptureStore>()>;

/// A store over one std::string: portable, but growing it copies what is
/// stored, and take() hands over that string itself. The reference the
/// tests hold other stores to.
class PROCESSKIT_CORE_EXPORT StringCaptureStore final : public CaptureStore {
public:
    StringCaptureStore() = default;
    void append(std::string_view first, std::string_view second = {}) override;
    std::string_view view() const noexcept override { return bytes_; }
    std::string take() override;

private:
    std::string bytes_;
};

} // namespace processkit
