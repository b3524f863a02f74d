// The blocking pipeline: the shared PipelineDriver (core's PipelineMachine,
// stages, pipes, group) on one epoll reactor; this file only waits, for the
// reactor, the pipeline's deadline and a cancel.
#include "processkit/blocking/pipeline.hpp"

#include "processkit/blocking/reactor.hpp"
#include "processkit/driver/pipeline_driver.hpp"
#include "processkit/os/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace processkit {
namespace {

Error os_error(const std::string& program, const char* what) {
    const int err = errno;
    return Error(ErrorKind::Io, program, std::string(what) + ": " + std::strerror(err))
        .with_os_error(err);
}

/// An eventfd that becomes readable when stop is requested on the token.
class CancelWake {
public:
    explicit CancelWake(const std::stop_token& token) {
        if (!token.stop_possible()) {
            return;
        }
        fd_.reset(os::above_stdio(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)));
        if (!fd_) {
            throw os_error({}, "cannot create an eventfd for cancellation");
        }
        callback_.emplace(token, Notify{fd_.get()});
    }
    /// -1 when the run cannot be cancelled.
    int fd() const { return fd_.get(); }
    bool requested() const {
        std::uint64_t count = 0;
        return fd_ && ::read(fd_.get(), &count, sizeof count) == sizeof count;
    }

private:
    struct Notify {
        int fd;
        void operator()() const noexcept {
            const std::uint64_t one = 1;
            (void)!::write(fd, &one, sizeof one);
        }
    };
    os::UniqueFd fd_; // declared first: outlives the callback that writes it
    std::optional<std::stop_callback<Notify>> callback_;
};

/// Waits for the pipeline's stages and deadlines, and for a cancel.
PipelineResult run_pipeline_to_end(const Pipeline& pipeline, const PipelineOptions& options) {
    CancelWake cancel(options.stop); // before anything is spawned: a failure leaks nothing
    blocking::Reactor reactor;       // outlives the driver registered with it
    driver::PipelineDriver driver(pipeline, options.group, reactor);
    bool cancel_pending = cancel.fd() >= 0;
    driver.start(Clock::now());
    while (!driver.finished()) {
        std::optional<TimePoint> wake = reactor.next_deadline();
        if (auto own = driver.next_deadline(); own && (!wake || *own < *wake)) {
            wake = own;
        }
        std::array<pollfd, 2> fds{{{reactor.fd(), POLLIN, 0}, {cancel.fd(), POLLIN, 0}}};
        if (::poll(fds.data(), cancel_pending ? 2 : 1, blocking::poll_timeout_ms(wake)) < 0 &&
            errno != EINTR) {
            throw os_error({}, "poll failed");
        }
        TimePoint now = Clock::now();
        reactor.run_once(now); // dispatch what is ready, without waiting
        driver.update(now);
        if (cancel_pending && cancel.requested()) {
            cancel_pending = false;
            driver.cancel(now);
        }
        if (auto own = driver.next_deadline(); own && *own <= now) {
            driver.on_deadline(now);
        }
    }
    return *driver.take_result();
}

} // namespace

PipelineResult output_string(const Pipeline& pipeline, const PipelineOptions& options) {
    return run_pipeline_to_end(pipeline, options);
}

PipelineResult output_bytes(const Pipeline& pipeline, const PipelineOptions& options) {
    return run_pipeline_to_end(pipeline, options);
}

std::string run(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = run_answer(run_pipeline_to_end(pipeline, options));
    if (answer.error) {
        throw *answer.error;
    }
    return std::move(*answer.value);
}

int exit_code(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = exit_code_answer(run_pipeline_to_end(pipeline, options));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

bool probe(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = probe_answer(run_pipeline_to_end(probe_pipeline(pipeline), options));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

} // namespace processkit
