// pk doctor on Windows: what the host offers a run — a Job Object, whether
// its accounting is real (Wine keeps it at zero) and the Windows version.
#include "doctor.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/os/windows/utf16.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <windows.h>

namespace pk {
namespace {

struct DoctorReport {
    std::string mechanism = "job_object";
    std::string windows_version;
    std::optional<std::string> wine_version;
    bool job_created = false;
    std::string job_error;
};

std::string windows_version() {
    // RtlGetVersion tells the truth whatever the program's manifest says.
    using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
    const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    OSVERSIONINFOW v{};
    v.dwOSVersionInfoSize = sizeof v;
    if (ntdll != nullptr) {
        if (auto f = reinterpret_cast<RtlGetVersionFn>(
                reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlGetVersion")))) {
            f(&v);
        }
    }
    return std::to_string(v.dwMajorVersion) + "." + std::to_string(v.dwMinorVersion) + "." +
           std::to_string(v.dwBuildNumber);
}

std::optional<std::string> wine_version() {
    using WineVersionFn = const char*(CDECL*)();
    const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    if (ntdll == nullptr) {
        return std::nullopt;
    }
    auto f = reinterpret_cast<WineVersionFn>(
        reinterpret_cast<void*>(::GetProcAddress(ntdll, "wine_get_version")));
    return f != nullptr ? std::optional<std::string>(f()) : std::nullopt;
}

DoctorReport probe() {
    DoctorReport r;
    r.windows_version = windows_version();
    r.wine_version = wine_version();
    try {
        processkit::ProcessGroup group;
        r.job_created = true;
    } catch (const processkit::Error& e) {
        r.job_error = e.message();
    }
    return r;
}

std::string row(const char* label, const std::string& value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %-20s", label);
    return buf + value + "\n";
}

} // namespace

std::string doctor_text() {
    const DoctorReport r = probe();
    std::string out = "mechanism: " + r.mechanism + "\n";
    out += "  each run gets a Job Object with kill-on-close: the whole tree is contained,\n"
           "  killed at once, and dies with pk (no guard process is needed)\n";
    out += "\nWindows: " + r.windows_version + "\n";
    out += row("job object", r.job_created ? "yes" : "no (" + r.job_error + ")");
    if (r.wine_version) {
        out += row("Wine", *r.wine_version +
                               " (job CPU time and peak memory read as zero and are reported "
                               "as unknown; limits are not enforced)");
    }
    out += row("owner-death", r.job_created ? "yes: the tree dies even if pk is killed" : "no");
    return out;
}

std::string doctor_json() {
    const DoctorReport r = probe();
    nlohmann::ordered_json j;
    j["mechanism"] = r.mechanism;
    j["windows_version"] = r.windows_version;
    j["wine_version"] =
        r.wine_version ? nlohmann::ordered_json(*r.wine_version) : nlohmann::ordered_json(nullptr);
    j["job_object"] = r.job_created;
    j["guard"] = {{"path", nullptr},
                  {"startable", false},
                  {"version", nullptr},
                  {"owner_death_protected", r.job_created},
                  {"error", r.job_created ? nlohmann::ordered_json(nullptr)
                                          : nlohmann::ordered_json(r.job_error)}};
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace pk
