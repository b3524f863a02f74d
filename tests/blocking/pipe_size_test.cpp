// The size of the pipes a child's stdio goes through: the kernel's default
// for every stream, grown only for one that carries bulk output, since each
// pipe is charged to its user's pipe budget (os::widen_pipe). Real children:
// pk_test_pipe_probe reports the size of its own stdout or stdin pipe.
#include "marked_test.hpp"
#include "processkit/os/pipe_io.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace processkit {
namespace {

class PipeSize : public testing::MarkedTest {
protected:
    /// Runs the probe writing `bytes`; returns its "before=N after=M" line.
    std::string probe(long bytes, std::size_t* got = nullptr) {
        Command c(PK_TEST_PIPE_PROBE);
        c.arg(std::to_string(bytes));
        const auto r = output_bytes(pktest::mark(c, marker));
        EXPECT_TRUE(r.success()) << r.stderr_text();
        if (got != nullptr) {
            *got = r.stdout_bytes.size();
        }
        return r.stderr_text();
    }

    /// What a new pipe holds here (this process's view of the default).
    static int default_size() {
        int fds[2];
        EXPECT_EQ(::pipe(fds), 0);
        const int size = ::fcntl(fds[0], F_GETPIPE_SZ);
        ::close(fds[0]);
        ::close(fds[1]);
        return size;
    }
};

TEST_F(PipeSize, AQuietChildsPipeKeepsTheKernelsDefaultSize) {
    const int size = default_size();
    EXPECT_EQ(probe(10),
              "before=" + std::to_string(size) + " after=" + std::to_string(size) + "\n");
}

TEST_F(PipeSize, AChildWritingInBulkGetsAWiderPipe) {
    const int size = default_size();
    ASSERT_LT(size, static_cast<int>(os::bulk_pipe_bytes)) << "nothing to widen on this machine";
    // One write of 1 MiB fills the pipe before the parent's first read (the
    // writer holds the pipe until it is full), so that read takes a whole
    // pipe and the driver widens it before the write can complete.
    std::size_t got = 0;
    EXPECT_EQ(probe(1 << 20, &got), "before=" + std::to_string(size) +
                                        " after=" + std::to_string(os::bulk_pipe_bytes) + "\n");
    EXPECT_EQ(got, std::size_t{1} << 20);
}

TEST_F(PipeSize, StdinThatFillsThePipeGetsAWiderOne) {
    ASSERT_LT(default_size(), static_cast<int>(os::bulk_pipe_bytes));
    Command quiet(PK_TEST_PIPE_PROBE);
    quiet.arg("stdin").stdin_bytes("a few bytes");
    EXPECT_EQ(output_string(pktest::mark(quiet, marker)).stderr_text(),
              "read=11 size=" + std::to_string(default_size()) + "\n");
    // 1 MiB while the probe sleeps: the first write fills the pipe.
    Command bulk(PK_TEST_PIPE_PROBE);
    bulk.arg("stdin").stdin_bytes(std::string(1 << 20, 'x'));
    EXPECT_EQ(output_string(pktest::mark(bulk, marker)).stderr_text(),
              "read=1048576 size=" + std::to_string(os::bulk_pipe_bytes) + "\n");
}

} // namespace
} // namespace processkit
