#pragma once
// ErrorKind as a std::error_code, for APIs that report errors by code (the
// Asio operations complete with one). The full Error, with its message, stays
// where the API documents it (ProcessResult::error or failure()).
//
// Thread-safety: the category is a stateless singleton.

#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"

#include <optional>
#include <system_error>
#include <type_traits>

namespace processkit {

PROCESSKIT_CORE_EXPORT const std::error_category& error_category() noexcept;

/// Code values are ErrorKind + 1: zero means success in std::error_code.
PROCESSKIT_CORE_EXPORT std::error_code make_error_code(ErrorKind kind) noexcept;

/// The ErrorKind of a code of error_category(), if it is one.
PROCESSKIT_CORE_EXPORT std::optional<ErrorKind> error_kind_of(const std::error_code& code) noexcept;

} // namespace processkit

template <>
struct std::is_error_code_enum<processkit::ErrorKind> : std::true_type {};
