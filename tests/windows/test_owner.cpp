// pk_test_owner CHILD_EXE: holds a ProcessGroup whose child starts a
// grandchild, prints both pids, then waits to be killed from outside. The
// owner_killed_test script SIGKILLs this process's Wine process and checks
// that both pids are gone.
#include "processkit/os/process_group.hpp"

#include <cstdio>
#include <string>
#include <windows.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        return 2;
    }
    processkit::ProcessGroup group;
    processkit::Command command(argv[1]);
    command.args({"grandchild", "600000"});
    auto p = group.spawn(command);
    std::string line;
    char c = 0;
    DWORD got = 0;
    OVERLAPPED ov{};
    ov.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    while (line.find('\n') == std::string::npos) {
        if (::ReadFile(p.stdout_pipe.get(), &c, 1, nullptr, &ov) == 0 &&
            ::GetLastError() != ERROR_IO_PENDING) {
            return 3;
        }
        if (::GetOverlappedResult(p.stdout_pipe.get(), &ov, &got, TRUE) == 0 || got == 0) {
            return 4;
        }
        line.push_back(c);
    }
    std::printf("child %d\n%s", static_cast<int>(p.child.pid()), line.c_str());
    std::fflush(stdout);
    ::Sleep(INFINITE);
}
