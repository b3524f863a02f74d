// Pipes on Windows are named pipes: only they can be opened for overlapped
// I/O, which lets one completion port wait for every stream. Each pipe is
// unique to this process (a random name, FILE_FLAG_FIRST_PIPE_INSTANCE, one
// instance, remote clients rejected), and the child's end is opened at once,
// so no other process can connect in between.
#include "spawn_stdio.hpp"

#include "processkit/os/windows/utf16.hpp"

#include <atomic>
#include <random>
#include <string>
#include <windows.h>

namespace processkit::os::spawn_detail {
namespace {

constexpr DWORD pipe_buffer = 64 * 1024;

[[noreturn]] void throw_last(ErrorKind kind, const std::string& what) {
    const auto err = static_cast<int>(::GetLastError());
    throw Error(kind, {}, what + " (Windows error " + std::to_string(err) + ")").with_os_error(err);
}

SECURITY_ATTRIBUTES inheritable() {
    SECURITY_ATTRIBUTES sa{};
    sa.nLength = sizeof sa;
    sa.bInheritHandle = TRUE;
    return sa;
}

std::wstring unique_pipe_name() {
    static std::atomic<unsigned long long> counter{0};
    static const unsigned long long salt = [] {
        std::random_device rd;
        return (static_cast<unsigned long long>(rd()) << 32) ^ rd();
    }();
    return L"\\\\.\\pipe\\processkit-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
           std::to_wstring(salt) + L"-" + std::to_wstring(counter.fetch_add(1));
}

/// A pipe whose parent end is overlapped and whose child end is inheritable.
/// `parent_reads`: the child writes (stdout/stderr), else the child reads.
void make_pipe(bool parent_reads, UniqueHandle& parent, UniqueHandle& child) {
    const std::wstring name = unique_pipe_name();
    const DWORD direction = parent_reads ? PIPE_ACCESS_INBOUND : PIPE_ACCESS_OUTBOUND;
    parent = UniqueHandle(::CreateNamedPipeW(
        name.c_str(), direction | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
        pipe_buffer, pipe_buffer, 0, nullptr));
    if (!parent) {
        throw_last(ErrorKind::Io, "cannot create a pipe");
    }
    SECURITY_ATTRIBUTES sa = inheritable();
    child = UniqueHandle(::CreateFileW(name.c_str(), parent_reads ? GENERIC_WRITE : GENERIC_READ, 0,
                                       &sa, OPEN_EXISTING, 0, nullptr));
    if (!child) {
        parent.reset();
        throw_last(ErrorKind::Io, "cannot open a pipe's other end");
    }
}

UniqueHandle open_null(bool for_writing) {
    SECURITY_ATTRIBUTES sa = inheritable();
    UniqueHandle h(::CreateFileW(L"NUL", for_writing ? GENERIC_WRITE : GENERIC_READ,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0,
                                 nullptr));
    if (!h) {
        throw_last(ErrorKind::Io, "cannot open the null device");
    }
    return h;
}

/// An inheritable duplicate of `h`; the null device if `h` is no handle (a
/// parent started without a console or with a stream closed, S2).
UniqueHandle inheritable_copy(HANDLE h, bool for_writing) {
    if (h == nullptr || h == INVALID_HANDLE_VALUE) {
        return open_null(for_writing);
    }
    HANDLE dup = nullptr;
    if (::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), &dup, 0, TRUE,
                          DUPLICATE_SAME_ACCESS) == 0) {
        return open_null(for_writing);
    }
    return UniqueHandle(dup);
}

UniqueHandle open_stdin_file(const std::string& path) {
    SECURITY_ATTRIBUTES sa = inheritable();
    const std::wstring wide = windows::to_utf16(path, "the stdin file's path");
    UniqueHandle h(::CreateFileW(wide.c_str(), GENERIC_READ,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                                 OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!h) {
        const DWORD err = ::GetLastError();
        const bool missing = err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND;
        throw Error(missing ? ErrorKind::NotFound : ErrorKind::Io, {},
                    "cannot open the stdin file '" + path + "'" + (missing ? ": no such file" : ""))
            .with_os_error(static_cast<int>(err))
            .with_path(path);
    }
    return h;
}

} // namespace

Stdio prepare_stdio(const Command& command, const StdioRedirect& redirect) {
    Stdio s;
    // stdin
    if (redirect.stdin_handle != nullptr) {
        s.child[0] = inheritable_copy(redirect.stdin_handle, false);
    } else {
        const StdinSource& in = command.stdin_source();
        switch (in.kind) {
        case StdinSource::Kind::Empty:
            s.child[0] = open_null(false);
            break;
        case StdinSource::Kind::Bytes:
        case StdinSource::Kind::Interactive:
            make_pipe(false, s.parent[0], s.child[0]);
            break;
        case StdinSource::Kind::File:
            s.child[0] = open_stdin_file(in.data);
            break;
        case StdinSource::Kind::Inherit:
            s.child[0] = inheritable_copy(::GetStdHandle(STD_INPUT_HANDLE), false);
            break;
        }
    }
    // stdout, stderr
    for (int i = 1; i <= 2; ++i) {
        const Stream stream = i == 1 ? Stream::Stdout : Stream::Stderr;
        if (i == 1 && redirect.stdout_handle != nullptr) {
            s.child[1] = inheritable_copy(redirect.stdout_handle, true);
            continue;
        }
        switch (command.mode(stream)) {
        case StdioMode::Capture:
        case StdioMode::Tee:
            make_pipe(true, s.parent[i], s.child[i]);
            break;
        case StdioMode::Inherit:
            s.child[i] = inheritable_copy(
                ::GetStdHandle(i == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE), true);
            break;
        case StdioMode::Discard:
            s.child[i] = open_null(true);
            break;
        }
    }
    return s;
}

} // namespace processkit::os::spawn_detail

namespace processkit::os {

Pipe make_stage_pipe(std::string_view program) {
    HANDLE r = nullptr;
    HANDLE w = nullptr;
    if (::CreatePipe(&r, &w, nullptr, 64 * 1024) == 0) {
        const auto err = static_cast<int>(::GetLastError());
        throw Error(ErrorKind::Io, std::string(program),
                    "cannot create a pipe between stages (Windows error " + std::to_string(err) +
                        ")")
            .with_os_error(err);
    }
    return {UniqueHandle(r), UniqueHandle(w)};
}

} // namespace processkit::os
