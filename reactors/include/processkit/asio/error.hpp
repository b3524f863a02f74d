#pragma once
// Error codes of the Asio adapter. Operations complete with these, with
// Asio's own codes (operation_aborted, eof, broken_pipe) or with a
// processkit::ErrorKind code (processkit/core/error_code.hpp).
//
// Thread-safety: the category is a stateless singleton.

#include "processkit/asio/export.hpp"
#include "processkit/core/error_code.hpp"

#include <system_error>
#include <type_traits>

namespace processkit::asio {

enum class errc {
    /// A stats series ended: its first failed sample (the group is gone or
    /// cannot be read). Every later async_next completes with it too.
    end_of_series = 1,
    /// The operation needs an option the process was not started with
    /// (async_read_event without StartOptions::event_reader, ...).
    not_enabled,
    /// Another async_next of the same sampler is still pending.
    already_waiting,
};

PROCESSKIT_ASIO_EXPORT const std::error_category& asio_category() noexcept;
PROCESSKIT_ASIO_EXPORT std::error_code make_error_code(errc e) noexcept;

} // namespace processkit::asio

template <>
struct std::is_error_code_enum<processkit::asio::errc> : std::true_type {};
