#pragma once
// What the Windows tests share: the helper child's path and blocking reads
// and writes on the overlapped pipes spawn() returns.
#include "processkit/os/process_group.hpp"

#include <string>
#include <vector>

namespace processkit::test {

/// The full path of pk_test_child.exe (next to the test executable).
std::string child_exe();
/// A Command running pk_test_child with these arguments.
Command child(std::vector<std::string> args);
/// Reads until the writer closes its end.
std::string read_all(os::PipeEnd& pipe);
/// Reads one line (up to and including '\n'; without it at end of file).
std::string read_line(os::PipeEnd& pipe);
/// Writes everything, then closes the pipe.
void write_all_and_close(os::PipeEnd& pipe, const std::string& bytes);
/// stdout and stderr read at the same time (no deadlock on full pipes).
struct Output {
    std::string out, err;
};
Output read_both(os::SpawnedProcess& p);
/// True once `pid` has ended (waits up to `ms`); true if no such process.
bool ended(int pid, unsigned ms);
/// A fresh, empty directory under the temporary directory.
std::string temp_dir();

} // namespace processkit::test
