#pragma once
// Readiness probes (R6), the decision part: a small sans-IO machine that
// says when to check, and which event ends the wait with which verdict.
// The caller does the I/O (reading lines, connecting, calling a check) and
// passes every time in; the machine never reads a clock.
//
//   - Line probe: ready when a matching line is reported. After the child
//     exits it waits for stdout to close (the last lines may still be in the
//     pipe), then fails with ChildExited. When stdout closes first it waits
//     exit_settle for the exit that usually comes with it (the reactor may
//     see the two in either order), then fails with StdoutClosed.
//   - Port and custom probes: the first check is due at once, then one per
//     poll interval on a fixed grid (missed ones skipped, never replayed;
//     the interval is clamped to at least 1 ms). Checks after the first
//     are only due before the deadline. They fail at once when the child exits.
//   - Every probe fails with DeadlinePassed when on_time() sees the deadline.
//   - The first decisive input wins; later inputs are ignored.
//
// A failed probe never kills the child: what to do next is the caller's call.
//
// Thread-safety: none; drive it from one thread.

#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace processkit {

/// What a readiness probe waits for (R6): a matching stdout line, a TCP port
/// accepting a connection, or a custom check passing.
enum class ProbeKind : std::uint8_t { Line, Port, Custom };

/// How a readiness wait ended.
struct ReadinessVerdict {
    /// Ready: the probe passed. DeadlinePassed: the deadline came first.
    /// ChildExited: the child exited first. StdoutClosed: a line probe's
    /// stdout closed and no exit was seen within exit_settle (or by the
    /// deadline).
    enum class Kind : std::uint8_t { Ready, DeadlinePassed, ChildExited, StdoutClosed };
    /// The verdict.
    Kind kind = Kind::Ready;
    Duration waited{0};                    ///< from the start of the wait to the verdict
    std::optional<ExitStatus> exit_status; ///< ChildExited: how, when known
    /// True for Kind::Ready.
    bool ready() const { return kind == Kind::Ready; }
};

/// Decides when a readiness probe checks and how its wait ends (R6), by the
/// rules at the top of readiness.hpp. The caller does the I/O and passes
/// every time in.
class PROCESSKIT_CORE_EXPORT ReadinessMachine {
public:
    /// Default time between two port or custom checks: 50 ms.
    static constexpr Duration default_poll_interval = std::chrono::milliseconds(50);
    /// A shorter poll interval is raised to this: 1 ms.
    static constexpr Duration min_poll_interval = std::chrono::milliseconds(1);
    /// How long a line probe waits, after stdout closed, for the child's exit.
    static constexpr Duration exit_settle = std::chrono::milliseconds(50);

    /// A negative deadline counts as zero.
    ReadinessMachine(ProbeKind kind, TimePoint start, Duration deadline,
                     Duration poll_interval = default_poll_interval);

    // --- inputs ---
    /// A line probe saw a matching line: Ready. Other probes ignore it.
    void on_line_matched(TimePoint now);
    /// The result of a check the machine asked for (check_due).
    void on_check_result(TimePoint now, bool ready);
    /// The child exited; `status` says how, when known. Port and custom
    /// probes fail at once with ChildExited; a line probe once stdout is
    /// closed too.
    void on_child_exited(TimePoint now, std::optional<ExitStatus> status);
    /// Stdout reached end of file. For a line probe: ChildExited if the exit
    /// was seen, else on_time() waits up to exit_settle for it.
    void on_stdout_closed(TimePoint now);
    /// Time passed: fails the probe if the deadline is reached.
    void on_time(TimePoint now);

    // --- outputs ---
    /// True when a port/custom check should run now.
    [[nodiscard]] bool check_due(TimePoint now) const;
    /// When the caller must wake up at the latest (next check or the
    /// deadline); empty once decided.
    std::optional<TimePoint> next_deadline() const;
    /// True once there is a verdict.
    bool done() const { return verdict_.has_value(); }
    /// The verdict; empty until done().
    const std::optional<ReadinessVerdict>& verdict() const { return verdict_; }

    /// What the probe waits for.
    ProbeKind kind() const { return kind_; }
    /// The deadline, measured from the start (a negative one counts as zero).
    Duration deadline() const { return deadline_ - start_; }
    /// When the deadline passes.
    TimePoint deadline_at() const { return deadline_; }
    /// Time between checks, at least min_poll_interval.
    Duration poll_interval() const { return interval_; }
    /// Check results reported so far (on_check_result()).
    std::size_t checks() const { return checks_; }

private:
    void decide(TimePoint now, ReadinessVerdict::Kind kind);

    ProbeKind kind_;
    TimePoint start_;
    TimePoint deadline_;
    Duration interval_;
    TimePoint next_check_;
    std::size_t checks_ = 0;
    std::optional<ExitStatus> exit_status_;
    bool exited_ = false;
    std::optional<TimePoint> stdout_closed_at_;
    std::optional<ReadinessVerdict> verdict_;
};

/// The NotReady error for a failed verdict, naming the program and the probe
/// and ending with the last non-empty line of `stderr_text` (E1). `target`
/// names what was awaited: "port 8080", "containing \"READY\"" (a line
/// probe's condition), "the custom check".
/// Examples: "'srv': not ready: port 8080 did not accept a connection within 2s",
/// "'srv': not ready: exited with code 1 before port 8080 accepted a connection".
PROCESSKIT_CORE_EXPORT Error not_ready_error(const std::string& program, ProbeKind kind,
                                             std::string_view target,
                                             const ReadinessVerdict& verdict, Duration deadline,
                                             std::string stderr_text = {});

} // namespace processkit
