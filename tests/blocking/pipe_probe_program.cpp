// pk_test_pipe_probe BYTES: writes BYTES to stdout in one write, then prints
// to stderr the size of its stdout pipe before and after ("before=N after=M").
// pk_test_pipe_probe stdin: waits 1 s (time for the parent to fill the pipe,
// even on a loaded machine), reads stdin to its end, then prints
// "read=N size=M", M its stdin pipe's size.
// How the blocking tests see the pipes the run driver gives a child.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <time.h>
#include <unistd.h>

namespace {

int report_stdin() {
    const timespec wait{1, 0};
    ::nanosleep(&wait, nullptr);
    long total = 0;
    char buf[65536];
    for (ssize_t n; (n = ::read(0, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno != EINTR) {
            return 1;
        }
        total += n > 0 ? n : 0;
    }
    std::fprintf(stderr, "read=%ld size=%d\n", total, ::fcntl(0, F_GETPIPE_SZ));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "stdin") {
        return report_stdin();
    }
    const long bytes = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
    const int before = ::fcntl(1, F_GETPIPE_SZ);
    const std::string block(static_cast<std::size_t>(bytes > 0 ? bytes : 0), 'x');
    for (std::size_t done = 0; done < block.size();) {
        const ssize_t n = ::write(1, block.data() + done, block.size() - done);
        if (n < 0 && errno != EINTR) {
            return 1;
        }
        done += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    const int after = ::fcntl(1, F_GETPIPE_SZ);
    std::fprintf(stderr, "before=%d after=%d\n", before, after);
    return 0;
}
