#include "processkit/os/capture_memory.hpp"

namespace processkit::os {

// No page store on Windows yet: pages cannot be moved into a heap block the
// way mremap does, so the core's own blocks (one copy at the end) are kept.
CaptureStoreFactory page_capture_stores() {
    return {};
}

} // namespace processkit::os
