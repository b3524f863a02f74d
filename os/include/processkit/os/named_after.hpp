#pragma once
// Naming the program in errors raised on its behalf (E1), on every platform.
//
// Thread-safety: reentrant.

#include "processkit/core/error.hpp"

#include <string>

namespace processkit::os {

/// Runs `f`; an Error it throws that names no program is rethrown naming
/// `program` (E1: messages name the program, also for a pipe or a cgroup
/// file that could not be opened for it).
template <class F>
auto named_after(const std::string& program, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const Error& e) {
        if (e.program().empty()) {
            throw e.with_program(program);
        }
        throw;
    }
}

} // namespace processkit::os
