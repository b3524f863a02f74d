// --stdin FILE on Windows: opened once by pk and handed to PROGRAM as its
// stdin. (Named pipes need no waiting here: opening one that has no server
// fails at once, and is reported.)
#include "failure.hpp"
#include "processkit/os/windows/utf16.hpp"
#include "stdin_source.hpp"

#include <windows.h>

namespace pk {

StdinSource open_stdin_source(const std::string& path, StopSignals&) {
    StdinSource source;
    std::wstring wide;
    try {
        wide = processkit::os::windows::to_utf16(path, "the --stdin path");
    } catch (const processkit::Error& e) {
        throw Failure(exit_pk_failed, "cannot read --stdin '" + path + "': " + e.detail());
    }
    source.fd = processkit::os::UniqueHandle(::CreateFileW(
        wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
        OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!source.fd) {
        const DWORD err = ::GetLastError();
        std::string why = "Windows error " + std::to_string(err);
        if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) {
            why = "No such file or directory";
        } else if (err == ERROR_ACCESS_DENIED) {
            const DWORD a = ::GetFileAttributesW(wide.c_str());
            why = a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) != 0
                      ? "is a directory"
                      : "Permission denied";
        }
        throw Failure(exit_pk_failed, "cannot read --stdin '" + path + "': " + why);
    }
    return source;
}

} // namespace pk
