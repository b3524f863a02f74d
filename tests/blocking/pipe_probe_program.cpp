// pk_test_pipe_probe BYTES: writes BYTES to stdout in one write, then prints
// to stderr the size of its stdout pipe before and after ("before=N after=M"):
// how the blocking tests see the pipes the run driver gives a child.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>

int main(int argc, char** argv) {
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
