#include "test_support.hpp"

#include "processkit/os/windows/utf16.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>
#include <windows.h>

namespace processkit::test {
namespace {

/// One overlapped transfer, waited for. Returns bytes moved, 0 at the end.
DWORD transfer(HANDLE h, char* data, DWORD size, bool write) {
    OVERLAPPED ov{};
    ov.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    DWORD done = 0;
    const BOOL ok =
        write ? ::WriteFile(h, data, size, nullptr, &ov) : ::ReadFile(h, data, size, nullptr, &ov);
    DWORD result = 0;
    if (ok != 0 || ::GetLastError() == ERROR_IO_PENDING) {
        if (::GetOverlappedResult(h, &ov, &done, TRUE) != 0) {
            result = done;
        }
    }
    ::CloseHandle(ov.hEvent);
    return result;
}

} // namespace

std::string child_exe() {
    wchar_t self[MAX_PATH];
    const DWORD n = ::GetModuleFileNameW(nullptr, self, MAX_PATH);
    std::string path = os::windows::to_utf8(std::wstring_view(self, n));
    return path.substr(0, path.find_last_of('\\') + 1) + PK_TEST_CHILD;
}

Command child(std::vector<std::string> args) {
    Command c(child_exe());
    c.args(args);
    return c;
}

std::string read_all(os::PipeEnd& pipe) {
    std::string out;
    char buffer[65536];
    while (DWORD n = transfer(pipe.get(), buffer, sizeof buffer, false)) {
        out.append(buffer, n);
    }
    return out;
}

std::string read_line(os::PipeEnd& pipe) {
    std::string line;
    char c = 0;
    while (transfer(pipe.get(), &c, 1, false) == 1) {
        line.push_back(c);
        if (c == '\n') {
            break;
        }
    }
    return line;
}

void write_all_and_close(os::PipeEnd& pipe, const std::string& bytes) {
    std::string copy = bytes;
    std::size_t at = 0;
    while (at < copy.size()) {
        const DWORD n =
            transfer(pipe.get(), copy.data() + at,
                     static_cast<DWORD>(std::min<std::size_t>(copy.size() - at, 1 << 20)), true);
        if (n == 0) {
            throw std::runtime_error("write to the child's stdin failed");
        }
        at += n;
    }
    pipe.reset();
}

Output read_both(os::SpawnedProcess& p) {
    Output o;
    std::thread err([&] {
        if (p.stderr_pipe) {
            o.err = read_all(p.stderr_pipe);
        }
    });
    if (p.stdout_pipe) {
        o.out = read_all(p.stdout_pipe);
    }
    err.join();
    return o;
}

bool ended(int pid, unsigned ms) {
    HANDLE h = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
    if (h == nullptr) {
        return true;
    }
    const bool done = ::WaitForSingleObject(h, ms) == WAIT_OBJECT_0;
    ::CloseHandle(h);
    return done;
}

std::string temp_dir() {
    static std::atomic<int> counter{0};
    wchar_t base[MAX_PATH];
    ::GetTempPathW(MAX_PATH, base);
    std::wstring dir = std::wstring(base) + L"pk-test-" + std::to_wstring(::GetCurrentProcessId()) +
                       L"-" + std::to_wstring(counter.fetch_add(1));
    ::CreateDirectoryW(dir.c_str(), nullptr);
    return os::windows::to_utf8(dir);
}

} // namespace processkit::test
