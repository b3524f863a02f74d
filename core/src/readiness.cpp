#include "processkit/core/readiness.hpp"

#include "processkit/core/debug_format.hpp"

#include <algorithm>

namespace processkit {

ReadinessMachine::ReadinessMachine(ProbeKind kind, TimePoint start, Duration deadline,
                                   Duration poll_interval)
    : kind_(kind)
    , start_(start)
    , deadline_(start + std::clamp(deadline, Duration::zero(), TimePoint::max() - start))
    , interval_(std::max(poll_interval, min_poll_interval))
    , next_check_(start) {}

void ReadinessMachine::decide(TimePoint now, ReadinessVerdict::Kind kind) {
    if (verdict_) {
        return;
    }
    ReadinessVerdict v;
    v.kind = kind;
    v.waited = std::max(now - start_, Duration::zero());
    if (kind == ReadinessVerdict::Kind::ChildExited) {
        v.exit_status = exit_status_;
    }
    verdict_ = v;
}

void ReadinessMachine::on_line_matched(TimePoint now) {
    if (kind_ == ProbeKind::Line) {
        decide(now, ReadinessVerdict::Kind::Ready);
    }
}

void ReadinessMachine::on_check_result(TimePoint now, bool ready) {
    if (kind_ == ProbeKind::Line || verdict_) {
        return;
    }
    ++checks_;
    if (ready) {
        decide(now, ReadinessVerdict::Kind::Ready);
        return;
    }
    // The next grid point strictly after now: late checks are not replayed.
    if (next_check_ <= now) {
        next_check_ += interval_ * ((now - next_check_) / interval_ + 1);
    }
}

void ReadinessMachine::on_child_exited(TimePoint now, std::optional<ExitStatus> status) {
    if (exited_ || verdict_) {
        return;
    }
    exited_ = true;
    exit_status_ = status;
    // A line probe still reads what the child wrote before it exited.
    if (kind_ != ProbeKind::Line || stdout_closed_at_) {
        decide(now, ReadinessVerdict::Kind::ChildExited);
    }
}

void ReadinessMachine::on_stdout_closed(TimePoint now) {
    if (stdout_closed_at_ || verdict_) {
        return;
    }
    stdout_closed_at_ = now;
    if (kind_ == ProbeKind::Line && exited_) {
        decide(now, ReadinessVerdict::Kind::ChildExited);
    }
}

void ReadinessMachine::on_time(TimePoint now) {
    const bool line_stream_ended = kind_ == ProbeKind::Line && stdout_closed_at_;
    if (line_stream_ended && (now >= *stdout_closed_at_ + exit_settle || now >= deadline_)) {
        decide(now, ReadinessVerdict::Kind::StdoutClosed);
    } else if (now >= deadline_) {
        decide(now, ReadinessVerdict::Kind::DeadlinePassed);
    }
}

bool ReadinessMachine::check_due(TimePoint now) const {
    if (verdict_ || kind_ == ProbeKind::Line || now < next_check_) {
        return false;
    }
    return checks_ == 0 || now < deadline_;
}

std::optional<TimePoint> ReadinessMachine::next_deadline() const {
    if (verdict_) {
        return std::nullopt;
    }
    if (kind_ == ProbeKind::Line) {
        return stdout_closed_at_ ? std::min(*stdout_closed_at_ + exit_settle, deadline_)
                                 : deadline_;
    }
    return std::min(next_check_, deadline_);
}

namespace {

std::string how_it_ended(const std::optional<ExitStatus>& status) {
    if (!status) {
        return "exited";
    }
    if (status->is_signalled()) {
        return "was killed by signal " + std::to_string(*status->signal());
    }
    return "exited with code " + std::to_string(*status->code());
}

std::string describe(ProbeKind kind, std::string_view target, const ReadinessVerdict& verdict,
                     Duration deadline) {
    const std::string what(target);
    const std::string within = " within " + format_duration(deadline);
    switch (verdict.kind) {
    case ReadinessVerdict::Kind::Ready:
        return "ready";
    case ReadinessVerdict::Kind::DeadlinePassed:
        switch (kind) {
        case ProbeKind::Line:
            return "no stdout line " + what + within;
        case ProbeKind::Port:
            return what + " did not accept a connection" + within;
        case ProbeKind::Custom:
            return what + " did not pass" + within;
        }
        break;
    case ReadinessVerdict::Kind::ChildExited: {
        const std::string ended = how_it_ended(verdict.exit_status);
        switch (kind) {
        case ProbeKind::Line:
            return ended + " before a stdout line " + what;
        case ProbeKind::Port:
            return ended + " before " + what + " accepted a connection";
        case ProbeKind::Custom:
            return ended + " before " + what + " passed";
        }
        break;
    }
    case ReadinessVerdict::Kind::StdoutClosed:
        return "closed its stdout before a line " + what;
    }
    return "not ready";
}

} // namespace

Error not_ready_error(const std::string& program, ProbeKind kind, std::string_view target,
                      const ReadinessVerdict& verdict, Duration deadline, std::string stderr_text) {
    Error e = Error(ErrorKind::NotReady, program, describe(kind, target, verdict, deadline))
                  .with_output({}, std::move(stderr_text));
    if (verdict.exit_status) {
        if (auto code = verdict.exit_status->code()) {
            e = e.with_exit_code(*code);
        } else if (auto sig = verdict.exit_status->signal()) {
            e = e.with_signal(*sig);
        }
    }
    return e;
}

} // namespace processkit
