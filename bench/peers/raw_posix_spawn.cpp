// peer-raw-spawn JOB N — the peer jobs done with posix_spawn, pipes and
// waitpid only: the baseline bench/compare's peer table divides by.
//
//   spawn N      N x posix_spawn(/bin/true) + waitpid, stdio inherited
//   capture B    `head -c B /dev/zero` read into memory through a pipe
//   lines N      N lines of 100 bytes (`yes | head`) split into lines here
//   fanout N     N posix_spawn(/bin/sleep 0.2), then N waitpid
//   idle N       N posix_spawn(/bin/sleep 3600) with a stdout and a stderr
//                pipe each, held as pids and descriptors: this process's
//                heap and resident memory per child (as pk-bench raw-idle)
#include "../raw_jobs.hpp"
#include "peer_main.hpp"

namespace {

using processkit::bench::Outcome;

Outcome ok_if(bool ok) {
    return Outcome{ok, {}};
}

Outcome idle(long n) {
    using namespace processkit::bench;
    allow_descriptors(n);
    std::vector<RawIdleChild> held;
    held.reserve(static_cast<std::size_t>(n));
    Outcome o;
    const MemoryUse before = memory_use();
    for (long i = 0; i < n && o.ok; ++i) {
        o.ok = raw_start_idle(held);
    }
    o.note = idle_note(before, memory_use(), n);
    o.ok = raw_stop_idle(held) && o.ok;
    return o;
}

} // namespace

int main(int argc, char** argv) {
    using namespace processkit::bench;
    return run_peer("peer-raw-spawn", argc, argv,
                    {
                        {"spawn", [](long n) { return ok_if(raw_spawn(n)); }},
                        {"capture", [](long n) { return ok_if(raw_capture_to_memory(n)); }},
                        {"lines", [](long n) { return ok_if(raw_count_lines(n)); }},
                        {"fanout", [](long n) { return ok_if(raw_fanout(n)); }},
                        {"idle", idle},
                    });
}
