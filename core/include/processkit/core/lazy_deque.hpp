// LazyDeque: a std::deque that allocates nothing until its first element.
//
// libstdc++'s std::deque allocates its map and a 512-byte node when it is
// constructed, even if it stays empty. A run holds half a dozen queues
// (stdout and stderr blocks, stdin, inputs, queued lines and events) that most
// runs never fill, so an idle child paid over 3 KiB for empty queues. This
// wrapper constructs the deque on the first insertion and keeps the deque's
// guarantees from then on (references to elements stay valid across
// push_back and pop_front).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

namespace processkit {

/// A first-in first-out queue with std::deque's guarantees that holds no
/// memory until its first element (see the file comment).
template <typename T>
class LazyDeque {
public:
    using value_type = T;                              ///< The element type.
    using size_type = std::size_t;                     ///< The type of sizes and indices.
    using iterator = typename std::deque<T>::iterator; ///< Front-to-back iterator.
    /// Front-to-back iterator over const elements.
    using const_iterator = typename std::deque<T>::const_iterator;

    /// Whether the queue holds no element.
    bool empty() const noexcept { return !items_ || items_->empty(); }
    /// How many elements the queue holds.
    size_type size() const noexcept { return items_ ? items_->size() : 0; }

    // Value-initialized iterators compare equal, so an unallocated queue is an
    // empty range.
    /// The first element (end() if empty).
    iterator begin() noexcept { return items_ ? items_->begin() : iterator{}; }
    /// Past the last element.
    iterator end() noexcept { return items_ ? items_->end() : iterator{}; }
    /// The first element (end() if empty).
    const_iterator begin() const noexcept { return items_ ? items_->cbegin() : const_iterator{}; }
    /// Past the last element.
    const_iterator end() const noexcept { return items_ ? items_->cend() : const_iterator{}; }

    /// The oldest element. Precondition (as for std::deque): not empty.
    T& front() { return items_->front(); }
    /// The oldest element. Precondition: not empty.
    const T& front() const { return items_->front(); }
    /// The newest element. Precondition: not empty.
    T& back() { return items_->back(); }
    /// The newest element. Precondition: not empty.
    const T& back() const { return items_->back(); }
    /// The element `i` places from the front. Precondition: i < size().
    T& operator[](size_type i) { return (*items_)[i]; }
    /// The element `i` places from the front. Precondition: i < size().
    const T& operator[](size_type i) const { return (*items_)[i]; }

    /// Appends a copy of `value` (allocates on the first element).
    void push_back(const T& value) { deque().push_back(value); }
    /// Appends `value`, moved (allocates on the first element).
    void push_back(T&& value) { deque().push_back(std::move(value)); }
    /// Puts `value` at the front, moved (allocates on the first element).
    void push_front(T&& value) { deque().push_front(std::move(value)); }
    /// Appends an element made from `args`; returns it.
    template <typename... Args>
    T& emplace_back(Args&&... args) {
        return deque().emplace_back(std::forward<Args>(args)...);
    }
    /// Removes the oldest element. Precondition: not empty. The storage is
    /// kept for the next element.
    void pop_front() { items_->pop_front(); }
    /// Removes the elements in [first, last); returns what follows them.
    iterator erase(const_iterator first, const_iterator last) {
        return items_ ? items_->erase(first, last) : iterator{};
    }
    /// Removes the element at `at` (which must be one); returns what follows it.
    iterator erase(const_iterator at) { return items_->erase(at); }
    /// Empties the queue and gives its memory back.
    void clear() noexcept { items_.reset(); }

private:
    std::deque<T>& deque() {
        if (!items_) {
            items_.emplace();
        }
        return *items_;
    }

    std::optional<std::deque<T>> items_;
};

} // namespace processkit
