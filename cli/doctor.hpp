#pragma once
// `pk doctor`: what containment this host gives pk and why, the kernel
// features processkit uses, and the pipe size limit.

#include <string>

namespace pk {

/// Probes the host (creates and removes one group) and returns the report as
/// text for humans, or as one JSON object.
std::string doctor_text();
std::string doctor_json();

} // namespace pk
