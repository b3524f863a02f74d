#include "processkit/os/signals.hpp"

#include <csignal>

namespace processkit::os {

int to_native(Signal s) noexcept {
    switch (s.name()) {
    case Signal::Name::Term:
        return SIGTERM;
    case Signal::Name::Kill:
        return SIGKILL;
    case Signal::Name::Int:
        return SIGINT;
    case Signal::Name::Hup:
        return SIGHUP;
    case Signal::Name::Quit:
        return SIGQUIT;
    case Signal::Name::Usr1:
        return SIGUSR1;
    case Signal::Name::Usr2:
        return SIGUSR2;
    case Signal::Name::Stop:
        return SIGSTOP;
    case Signal::Name::Cont:
        return SIGCONT;
    case Signal::Name::Raw:
        break;
    }
    return s.raw_number();
}

} // namespace processkit::os
