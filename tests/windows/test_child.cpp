// pk_test_child: what the Windows tests start. One mode per run:
//   argv                 each argument, as the C runtime and as
//                        CommandLineToArgvW split it, hex-encoded UTF-8
//   sleep MS | exit CODE
//   grandchild MS        starts `sleep MS` (it joins our job by itself),
//                        prints "grandchild PID", then sleeps MS
//   leave-grandchild MS  starts `sleep MS` inheriting our stdout and stderr,
//                        prints "grandchild PID", exits at once
//   env NAME | cwd       a variable (or "<unset>") | the working directory
//   cat                  stdin to stdout until end of file
//   lines N              "line I" to stdout and "err I" to stderr, N each
//   write N out|err|both N bytes to the stream(s), interleaved in chunks
//   has-handle VALUE     "yes" if VALUE is an open handle in this process
//   alive PID...         exit 0 if none of the processes is still running
//                        (waits up to 5 s for each), else prints it, exit 1
//   ctrl-break           sleeps; exits 42 if a CTRL_BREAK arrives
#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <string>
// <windows.h> must come before the headers that use it.
// clang-format off
#include <windows.h>
#include <shellapi.h>
// clang-format on

namespace {

std::string utf8(const wchar_t* w) {
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, w, -1, nullptr, 0, nullptr, nullptr);
    std::string s(static_cast<std::size_t>(n > 0 ? n - 1 : 0), '\0');
    if (n > 1) {
        ::WideCharToMultiByte(CP_UTF8, 0, w, -1, s.data(), n, nullptr, nullptr);
    }
    return s;
}

void out(const std::string& s, DWORD which = STD_OUTPUT_HANDLE) {
    DWORD done = 0;
    const HANDLE h = ::GetStdHandle(which);
    std::size_t at = 0;
    while (at < s.size()) {
        if (::WriteFile(h, s.data() + at, static_cast<DWORD>(s.size() - at), &done, nullptr) == 0) {
            return;
        }
        at += done;
    }
}

std::string hex(const std::string& s) {
    static const char digits[] = "0123456789abcdef";
    std::string h;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        h.push_back(digits[c >> 4]);
        h.push_back(digits[c & 15]);
    }
    return h;
}

BOOL WINAPI on_ctrl(DWORD type) {
    if (type == CTRL_BREAK_EVENT) {
        ::ExitProcess(42);
    }
    return FALSE;
}

} // namespace

int wmain(int argc, wchar_t** argv) {
    if (argc < 2) {
        return 2;
    }
    const std::wstring mode = argv[1];
    auto num = [&](int i) { return i < argc ? std::wcstoll(argv[i], nullptr, 10) : 0; };
    if (mode == L"argv") {
        std::string text;
        for (int i = 2; i < argc; ++i) {
            text += "crt " + hex(utf8(argv[i])) + "\n";
        }
        int n = 0;
        wchar_t** api = ::CommandLineToArgvW(::GetCommandLineW(), &n);
        for (int i = 2; api != nullptr && i < n; ++i) {
            text += "api " + hex(utf8(api[i])) + "\n";
        }
        ::LocalFree(api);
        out(text);
        return 0;
    }
    if (mode == L"sleep") {
        ::Sleep(static_cast<DWORD>(num(2)));
        return 0;
    }
    if (mode == L"exit") {
        return static_cast<int>(num(2));
    }
    if (mode == L"grandchild") {
        wchar_t self[MAX_PATH];
        ::GetModuleFileNameW(nullptr, self, MAX_PATH);
        std::wstring line = L"\"" + std::wstring(self) + L"\" sleep " + argv[2];
        STARTUPINFOW si{};
        si.cb = sizeof si;
        PROCESS_INFORMATION pi{};
        if (::CreateProcessW(self, line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si,
                             &pi) == 0) {
            return 3;
        }
        out("grandchild " + std::to_string(pi.dwProcessId) + "\n");
        ::CloseHandle(pi.hThread);
        ::CloseHandle(pi.hProcess);
        ::Sleep(static_cast<DWORD>(num(2)));
        return 0;
    }
    if (mode == L"leave-grandchild") {
        wchar_t self[MAX_PATH];
        ::GetModuleFileNameW(nullptr, self, MAX_PATH);
        std::wstring line = L"\"" + std::wstring(self) + L"\" sleep " + argv[2];
        STARTUPINFOW si{};
        si.cb = sizeof si;
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = ::GetStdHandle(STD_INPUT_HANDLE);
        si.hStdOutput = ::GetStdHandle(STD_OUTPUT_HANDLE);
        si.hStdError = ::GetStdHandle(STD_ERROR_HANDLE);
        PROCESS_INFORMATION pi{};
        if (::CreateProcessW(self, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si,
                             &pi) == 0) {
            return 3;
        }
        out("grandchild " + std::to_string(pi.dwProcessId) + "\n");
        ::CloseHandle(pi.hThread);
        ::CloseHandle(pi.hProcess);
        return 0;
    }
    if (mode == L"lines") {
        for (long long i = 0; i < num(2); ++i) {
            out("line " + std::to_string(i) + "\n");
            out("err " + std::to_string(i) + "\n", STD_ERROR_HANDLE);
        }
        return 0;
    }
    if (mode == L"env") {
        const DWORD n = ::GetEnvironmentVariableW(argv[2], nullptr, 0);
        if (n == 0) {
            out("<unset>");
            return 0;
        }
        std::wstring v(n, L'\0');
        ::GetEnvironmentVariableW(argv[2], v.data(), n);
        v.resize(n - 1);
        out(utf8(v.c_str()));
        return 0;
    }
    if (mode == L"cwd") {
        wchar_t dir[MAX_PATH];
        ::GetCurrentDirectoryW(MAX_PATH, dir);
        out(utf8(dir));
        return 0;
    }
    if (mode == L"cat") {
        char buffer[65536];
        DWORD got = 0;
        while (::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof buffer, &got, nullptr) !=
                   0 &&
               got > 0) {
            out(std::string(buffer, got));
        }
        return 0;
    }
    if (mode == L"write") {
        long long left = num(2);
        const std::wstring which = argc > 3 ? argv[3] : L"out";
        const std::string chunk(4096, 'x');
        while (left > 0) {
            const std::string piece =
                chunk.substr(0, static_cast<std::size_t>(std::min<long long>(left, 4096)));
            if (which != L"err") {
                out(piece);
            }
            if (which != L"out") {
                out(piece, STD_ERROR_HANDLE);
            }
            left -= static_cast<long long>(piece.size());
        }
        return 0;
    }
    if (mode == L"has-handle") {
        const auto value = static_cast<std::uintptr_t>(std::wcstoull(argv[2], nullptr, 10));
        DWORD flags = 0;
        out(::GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags) != 0 ? "yes" : "no");
        return 0;
    }
    if (mode == L"alive") {
        int alive = 0;
        for (int i = 2; i < argc; ++i) {
            const auto pid = static_cast<DWORD>(num(i));
            HANDLE h = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
            if (h == nullptr) {
                continue; // gone
            }
            if (::WaitForSingleObject(h, 5000) != WAIT_OBJECT_0) {
                out("alive " + std::to_string(pid) + "\n");
                ++alive;
            }
            ::CloseHandle(h);
        }
        return alive == 0 ? 0 : 1;
    }
    if (mode == L"ctrl-break") {
        ::SetConsoleCtrlHandler(on_ctrl, TRUE);
        out("ready\n");
        ::Sleep(static_cast<DWORD>(argc > 2 ? num(2) : 60000));
        return 0;
    }
    return 2;
}
