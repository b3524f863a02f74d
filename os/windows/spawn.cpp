// CreateProcessW with the child in its job before its first instruction
// (created suspended, assigned, resumed) and exactly three handles inherited.
#include "processkit/os/windows/spawn.hpp"

#include "processkit/core/windows_command_line.hpp"
#include "processkit/os/windows/utf16.hpp"
#include "spawn_stdio.hpp"

#include <algorithm>
#include <memory>
#include <windows.h>

namespace processkit::os {
namespace {

std::string errno_free_text(DWORD err) {
    return "Windows error " + std::to_string(err);
}

std::vector<std::string> parent_environment() {
    std::vector<std::string> out;
    wchar_t* block = ::GetEnvironmentStringsW();
    if (block == nullptr) {
        return out;
    }
    for (const wchar_t* p = block; *p != L'\0';) {
        const std::wstring_view entry(p);
        out.push_back(windows::to_utf8(entry));
        p += entry.size() + 1;
    }
    ::FreeEnvironmentStringsW(block);
    return out;
}

char upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string_view name_of(std::string_view entry) {
    const auto eq = entry.find('=', entry.empty() ? 0 : 1);
    return entry.substr(0, eq);
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return upper(x) == upper(y); });
}

std::optional<std::string> lookup(const std::vector<std::string>& env, std::string_view name) {
    for (const auto& e : env) {
        if (same_name(name_of(e), name)) {
            return e.substr(name_of(e).size() + 1);
        }
    }
    return std::nullopt;
}

/// The environment block: sorted by name ignoring case, as Windows expects,
/// each entry NUL-terminated, the block ended by one more NUL.
std::wstring environment_block(std::vector<std::string> env) {
    std::stable_sort(env.begin(), env.end(), [](const std::string& a, const std::string& b) {
        const auto na = name_of(a);
        const auto nb = name_of(b);
        return std::lexicographical_compare(na.begin(), na.end(), nb.begin(), nb.end(),
                                            [](char x, char y) { return upper(x) < upper(y); });
    });
    std::wstring block;
    for (std::size_t i = 0; i < env.size(); ++i) {
        block += windows::to_utf16(env[i], "environment variable " + std::string(name_of(env[i])));
        block.push_back(L'\0');
    }
    if (env.empty()) {
        block.push_back(L'\0');
    }
    block.push_back(L'\0');
    return block;
}

std::string directory_of(UINT (*get)(LPWSTR, UINT)) {
    wchar_t buffer[MAX_PATH + 1];
    const UINT n = get(buffer, MAX_PATH);
    return n > 0 && n <= MAX_PATH ? windows::to_utf8(std::wstring_view(buffer, n)) : std::string();
}

UINT system_directory(LPWSTR b, UINT n) {
    return ::GetSystemDirectoryW(b, n);
}
UINT windows_directory(LPWSTR b, UINT n) {
    return ::GetWindowsDirectoryW(b, n);
}

/// Not relative to the working directory: a drive path ("C:\\x"), a UNC
/// path, or a path from the root of the current drive ("\\x", "/x").
bool is_absolute(const std::string& p) {
    return (p.size() >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')) ||
           (!p.empty() && (p[0] == '\\' || p[0] == '/'));
}

/// File attributes of `path` (relative paths from `cwd` when given, as the
/// child would see them), or INVALID_FILE_ATTRIBUTES.
DWORD attributes(const std::string& path, const std::optional<std::string>& cwd) {
    const std::string full = cwd && !is_absolute(path) ? *cwd + "\\" + path : path;
    return ::GetFileAttributesW(windows::to_utf16(full, "a program path").c_str());
}

/// Closes a process we created but cannot hand over.
void discard(PROCESS_INFORMATION& pi) {
    ::TerminateProcess(pi.hProcess, killed_exit_code);
    ::WaitForSingleObject(pi.hProcess, 5000);
    ::CloseHandle(pi.hThread);
    ::CloseHandle(pi.hProcess);
}

Error create_process_error(DWORD err, const std::string& program, const std::string& path,
                           const Command& command) {
    const int code = static_cast<int>(err);
    switch (err) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return Error(ErrorKind::NotFound, program, "'" + path + "': no such file")
            .with_os_error(code)
            .with_path(path);
    case ERROR_DIRECTORY:
        return Error(ErrorKind::NotFound, program,
                     "working directory '" + command.working_directory().value_or("") +
                         "' is not a directory")
            .with_os_error(code)
            .with_path(command.working_directory().value_or(""));
    case ERROR_ACCESS_DENIED:
        return Error(ErrorKind::PermissionDenied, program,
                     "'" + path + "' is not executable: access denied")
            .with_os_error(code)
            .with_path(path);
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
    case ERROR_EXE_MARKED_INVALID:
        return Error(ErrorKind::PermissionDenied, program,
                     "'" + path + "' is not a Windows program this machine can run")
            .with_os_error(code)
            .with_path(path);
    case ERROR_FILENAME_EXCED_RANGE:
        return Error(ErrorKind::SpawnFailed, program, "command line too long").with_os_error(code);
    default:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot create a process for '" + path + "': " + errno_free_text(err))
            .with_os_error(code);
    }
}

struct AttributeList {
    std::unique_ptr<char[]> storage;
    LPPROC_THREAD_ATTRIBUTE_LIST get() {
        return reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage.get());
    }
    ~AttributeList() {
        if (storage) {
            ::DeleteProcThreadAttributeList(get());
        }
    }
};

} // namespace

SpawnedProcess spawn(const Command& command, const Placement& placement) {
    return spawn(command, placement, StdioRedirect{});
}

SpawnedProcess spawn(const Command& command, const Placement& placement,
                     const StdioRedirect& redirect) {
    if (auto invalid = command.validate()) {
        throw *invalid;
    }
    const std::string& program = command.program();
    if (placement.kind == Placement::Kind::Job && placement.job == nullptr) {
        throw Error(ErrorKind::InvalidArgument, program, "job placement without a job handle");
    }
    const auto& cwd = command.working_directory();

    // --- the environment and where the program is ---
    const std::vector<std::string> parent_env = parent_environment();
    const bool own_env = !command.env_ops().empty();
    std::vector<std::string> env;
    if (own_env) {
        std::vector<std::string_view> views(parent_env.begin(), parent_env.end());
        env = resolve_environment(views, command.env_ops(), EnvNames::CaseInsensitive);
    }
    const std::vector<std::string>& child_env = own_env ? env : parent_env;
    const std::string system_dir = directory_of(system_directory);
    std::vector<std::string> system_dirs;
    for (auto d : {system_dir, directory_of(windows_directory)}) {
        if (!d.empty()) {
            system_dirs.push_back(std::move(d));
        }
    }
    if (cwd) {
        const DWORD a =
            ::GetFileAttributesW(windows::to_utf16(*cwd, "the working directory").c_str());
        if (a == INVALID_FILE_ATTRIBUTES || (a & FILE_ATTRIBUTE_DIRECTORY) == 0) {
            throw Error(
                ErrorKind::NotFound, program,
                "working directory '" + *cwd + "' " +
                    (a == INVALID_FILE_ATTRIBUTES ? "does not exist" : "is not a directory"))
                .with_path(*cwd);
        }
    }
    const std::vector<std::string> candidates = program_candidates(
        program, lookup(child_env, "PATH"), lookup(child_env, "PATHEXT"), system_dirs);
    std::optional<std::string> resolved;
    std::optional<std::string> directory;
    for (const auto& c : candidates) {
        const DWORD a = attributes(c, cwd);
        if (a == INVALID_FILE_ATTRIBUTES) {
            continue;
        }
        if ((a & FILE_ATTRIBUTE_DIRECTORY) != 0) {
            directory = directory.value_or(c);
            continue;
        }
        resolved = cwd && !is_absolute(c) ? *cwd + "\\" + c : c;
        break;
    }
    if (!resolved) {
        if (directory) {
            throw Error(ErrorKind::PermissionDenied, program, "'" + *directory + "' is a directory")
                .with_path(*directory);
        }
        throw Error(ErrorKind::NotFound, program, "no such file").with_searched(candidates);
    }

    // --- the command line (W3) ---
    std::string application = *resolved;
    std::string line;
    if (processkit::windows::is_batch_file(*resolved)) {
        application = system_dir + "\\cmd.exe";
        line = processkit::windows::build_batch_command_line(
            application, *resolved, command.arguments(), command.windows().raw_batch_arguments);
    } else {
        line = processkit::windows::build_command_line(program, command.arguments());
    }
    std::wstring wide_line = windows::to_utf16(line, "the command line");
    const std::wstring wide_app = windows::to_utf16(application, "the program path");
    const std::wstring wide_cwd = cwd ? windows::to_utf16(*cwd, "the working directory") : L"";
    const std::wstring block = own_env ? environment_block(env) : std::wstring();

    // --- stdio: exactly these three handles are inherited ---
    spawn_detail::Stdio stdio =
        named_after(program, [&] { return spawn_detail::prepare_stdio(command, redirect); });
    std::vector<HANDLE> inherit;
    for (auto& h : stdio.child) {
        if (std::find(inherit.begin(), inherit.end(), h.get()) == inherit.end()) {
            inherit.push_back(h.get());
        }
    }
    AttributeList attrs;
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    attrs.storage = std::make_unique<char[]>(size);
    if (::InitializeProcThreadAttributeList(attrs.get(), 1, 0, &size) == 0) {
        attrs.storage.reset();
        throw Error(ErrorKind::Io, program, "cannot prepare the process attributes")
            .with_os_error(static_cast<int>(::GetLastError()));
    }
    if (::UpdateProcThreadAttribute(attrs.get(), 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                    inherit.data(), inherit.size() * sizeof(HANDLE), nullptr,
                                    nullptr) == 0) {
        throw Error(ErrorKind::Io, program, "cannot restrict the inherited handles")
            .with_os_error(static_cast<int>(::GetLastError()));
    }
    STARTUPINFOEXW si{};
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = stdio.child[0].get();
    si.StartupInfo.hStdOutput = stdio.child[1].get();
    si.StartupInfo.hStdError = stdio.child[2].get();
    si.lpAttributeList = attrs.get();

    DWORD flags = CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT | CREATE_SUSPENDED |
                  CREATE_NEW_PROCESS_GROUP;
    if (command.windows().no_window) {
        flags |= CREATE_NO_WINDOW;
    }
    PROCESS_INFORMATION pi{};
    if (::CreateProcessW(wide_app.c_str(), wide_line.data(), nullptr, nullptr, TRUE, flags,
                         own_env ? const_cast<wchar_t*>(block.c_str()) : nullptr,
                         cwd ? wide_cwd.c_str() : nullptr, &si.StartupInfo, &pi) == 0) {
        throw create_process_error(::GetLastError(), program, application, command);
    }
    if (placement.kind == Placement::Kind::Job &&
        ::AssignProcessToJobObject(placement.job, pi.hProcess) == 0) {
        const DWORD err = ::GetLastError();
        discard(pi);
        throw Error(ErrorKind::SpawnFailed, program,
                    "cannot enter the job: " + errno_free_text(err))
            .with_os_error(static_cast<int>(err));
    }
    if (::ResumeThread(pi.hThread) == static_cast<DWORD>(-1)) {
        const DWORD err = ::GetLastError();
        discard(pi);
        throw Error(ErrorKind::SpawnFailed, program,
                    "cannot start the process: " + errno_free_text(err))
            .with_os_error(static_cast<int>(err));
    }
    ::CloseHandle(pi.hThread);

    SpawnedProcess out;
    out.child = Child(static_cast<pid_t>(pi.dwProcessId), UniqueHandle(pi.hProcess));
    out.started_at = Clock::now();
    out.stdin_pipe = PipeEnd(std::move(stdio.parent[0]));
    out.stdout_pipe = PipeEnd(std::move(stdio.parent[1]));
    out.stderr_pipe = PipeEnd(std::move(stdio.parent[2]));
    return out;
}

} // namespace processkit::os
