#pragma once
// UTF-8 (processkit's strings) <-> UTF-16 (the Windows API), at the OS
// boundary only.
//
// Thread-safety: reentrant.

#include <string>
#include <string_view>

namespace processkit::os::windows {

/// Throws Error (InvalidArgument) naming `what` ("the working directory",
/// "argument 2") if `text` is not valid UTF-8 or holds a NUL byte.
std::wstring to_utf16(std::string_view text, std::string_view what);
/// Unpaired surrogates become U+FFFD.
std::string to_utf8(std::wstring_view text);

/// True when this process runs under Wine (ntdll exports wine_get_version),
/// where some job accounting is stubbed and reads as zero.
bool running_under_wine() noexcept;

} // namespace processkit::os::windows
