// pk: run any command contained, with timeout, limits, a JSON result, a
// profile and a chart. See docs/pk.md.
#include "doctor.hpp"
#include "failure.hpp"
#include "options.hpp"
#include "processkit/core/error.hpp"
#include "run_command.hpp"
#include "std_descriptors.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#ifndef PK_VERSION
#define PK_VERSION "unknown"
#endif

namespace {

const char* const main_help =
    "Usage: pk COMMAND [OPTIONS]\n"
    "\n"
    "Runs child processes that never outlive pk: each run's whole process tree\n"
    "lives in a cgroup v2 (or a process group where cgroups are unavailable)\n"
    "and is killed when the run ends, after a timeout, or if pk itself dies.\n"
    "\n"
    "Commands:\n"
    "  run [OPTIONS] [--] PROGRAM [ARG...]  run PROGRAM contained (see pk run --help)\n"
    "  doctor [--json]                      what containment this host gives, and why\n"
    "\n"
    "Options:\n"
    "  --help                               show this help\n"
    "  --version                            show pk's version\n";

int fail(const std::string& message, int status) {
    std::string line = "pk: " + message;
    for (char& c : line) {
        if (c == '\n') {
            c = ' '; // one line, always
        }
    }
    std::fprintf(stderr, "%s\n", line.c_str());
    return status;
}

int doctor(const std::vector<std::string>& args) {
    bool json = false;
    for (const auto& a : args) {
        if (a == "--json") {
            json = true;
        } else if (a == "--help") {
            std::fputs("Usage: pk doctor [--json]\n"
                       "\n"
                       "Reports the containment mechanism this host gives pk and why (cgroup2\n"
                       "mount, own cgroup, writable or not, controllers), the kernel features\n"
                       "processkit uses and the pipe size limit.\n"
                       "\n"
                       "Options:\n"
                       "  --json   one JSON object instead of text (default: text)\n"
                       "  --help   show this help\n",
                       stdout);
            return 0;
        } else {
            throw pk::UsageError("unknown option '" + a + "' for pk doctor (see pk doctor --help)");
        }
    }
    std::fputs(((json ? pk::doctor_json() : pk::doctor_text()) + (json ? "\n" : "")).c_str(),
               stdout);
    return 0;
}

int dispatch(const std::vector<std::string>& argv) {
    if (argv.empty()) {
        throw pk::UsageError("missing command (usage: pk run|doctor ..., see pk --help)");
    }
    const std::string& command = argv[0];
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (command == "--help" || command == "-h" || command == "help") {
        std::fputs(main_help, stdout);
        return 0;
    }
    if (command == "--version") {
        std::printf("pk %s (processkit)\n", PK_VERSION);
        return 0;
    }
    if (command == "doctor") {
        return doctor(rest);
    }
    if (command == "run") {
        const pk::RunRequest options = pk::parse_run_request(rest);
        if (options.help) {
            std::fputs(pk::run_help().c_str(), stdout);
            return 0;
        }
        return pk::run_command(options);
    }
    if (!command.empty() && command[0] == '-') {
        throw pk::UsageError("unknown option '" + command + "' (see pk --help)");
    }
    throw pk::UsageError("unknown command '" + command + "' (expected run or doctor)");
}

} // namespace

int main(int argc, char** argv) {
    pk::make_std_descriptors_valid(); // before anything opens a descriptor
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const pk::Failure& e) {
        return fail(e.what(), e.exit_status());
    } catch (const processkit::Error& e) {
        return fail(e.message(), pk::exit_pk_failed);
    } catch (const std::exception& e) {
        return fail(e.what(), pk::exit_pk_failed);
    }
}
