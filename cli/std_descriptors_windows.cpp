// Windows: a process started without standard handles has none to be taken
// over (handles are not small reused numbers), so there is nothing to make
// valid; a missing stdout is still remembered for the JSON result.
#include "std_descriptors.hpp"

#include <windows.h>

namespace pk {
namespace {

bool closed[3] = {false, false, false};

} // namespace

void make_std_descriptors_valid() noexcept {
    const DWORD ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    for (int i = 0; i < 3; ++i) {
        const HANDLE h = ::GetStdHandle(ids[i]);
        closed[i] = h == nullptr || h == INVALID_HANDLE_VALUE;
    }
}

bool std_descriptor_was_closed(int fd) noexcept {
    return fd >= 0 && fd < 3 && closed[fd];
}

} // namespace pk
