#pragma once

#include "processkit/core/export.hpp"
// A portable description of a signal. The core cannot include <csignal>, so it
// names the common signals symbolically and carries any other as a raw number;
// the OS layer maps names to the platform's numbers.
//
// Thread-safety: a plain value type.

#include <optional>
#include <string>
#include <string_view>

namespace processkit {

/// A signal to send to a process or a tree: one of the common POSIX signals
/// by name, or any other by the platform's number. The OS layer maps it to the
/// platform; on Windows only KILL, TERM and INT have an equivalent.
class PROCESSKIT_CORE_EXPORT Signal {
public:
    /// The named signals (SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
    /// SIGUSR2, SIGSTOP, SIGCONT), and Raw for one given by number.
    enum class Name { Term, Kill, Int, Hup, Quit, Usr1, Usr2, Stop, Cont, Raw };

    /// SIGTERM: a request to terminate (the default timeout signal).
    static constexpr Signal term() { return Signal{Name::Term, 0}; }
    /// SIGKILL: ends the process; it cannot be caught.
    static constexpr Signal kill() { return Signal{Name::Kill, 0}; }
    /// SIGINT, as sent by Ctrl-C.
    static constexpr Signal interrupt() { return Signal{Name::Int, 0}; }
    /// SIGHUP.
    static constexpr Signal hangup() { return Signal{Name::Hup, 0}; }
    /// SIGQUIT.
    static constexpr Signal quit() { return Signal{Name::Quit, 0}; }
    /// SIGUSR1.
    static constexpr Signal user1() { return Signal{Name::Usr1, 0}; }
    /// SIGUSR2.
    static constexpr Signal user2() { return Signal{Name::Usr2, 0}; }
    /// SIGSTOP: suspends the process; it cannot be caught.
    static constexpr Signal stop() { return Signal{Name::Stop, 0}; }
    /// SIGCONT: resumes a stopped process.
    static constexpr Signal cont() { return Signal{Name::Cont, 0}; }
    /// A signal by the platform's number (must be positive).
    static constexpr Signal number(int n) { return Signal{Name::Raw, n}; }

    /// Parses "TERM", "SIGTERM", "term" or a positive decimal number.
    /// Returns nullopt for anything else.
    static std::optional<Signal> parse(std::string_view text);

    /// Which signal; Name::Raw for one given by number.
    constexpr Name name() const { return name_; }
    /// The raw number; only meaningful when name() == Name::Raw.
    constexpr int raw_number() const { return number_; }
    /// "TERM", "KILL", ... or the decimal number for a raw signal.
    std::string to_string() const;

    friend constexpr bool operator==(const Signal&, const Signal&) = default;

private:
    constexpr Signal(Name name, int number)
        : name_(name)
        , number_(number) {}
    Name name_;
    int number_;
};

} // namespace processkit
