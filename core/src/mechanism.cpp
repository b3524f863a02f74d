#include "processkit/core/mechanism.hpp"

namespace processkit {

std::optional<Mechanism> parse_mechanism(std::string_view name) {
    for (Mechanism m :
         {Mechanism::CgroupV2, Mechanism::ProcessGroup, Mechanism::JobObject, Mechanism::None}) {
        if (name == to_string(m)) {
            return m;
        }
    }
    if (name == "cgroup" || name == "cgroupv2") {
        return Mechanism::CgroupV2;
    }
    if (name == "pgroup" || name == "process-group") {
        return Mechanism::ProcessGroup;
    }
    return std::nullopt;
}

} // namespace processkit
