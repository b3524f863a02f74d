#pragma once
// Cassettes: recorded invocations and their results, as a JSON file
//
//   {"processkit_cassette":1,"entries":[
//   {"program":"echo","args":["hi"],...,"outcome":"exited","exit_code":0,...},
//   ...]}
//
// Environment values are never written: only what was done to which name.
// Output is stored as text when it is UTF-8, else as {"base64": "..."}.
//
// Thread-safety: plain values and functions.

#include "processkit/core/result.hpp"
#include "processkit/testing/recording_runner.hpp"
#include "processkit/testing/reply.hpp"

#include <optional>
#include <string>
#include <vector>

namespace processkit::cassette {

struct Entry {
    Invocation invocation;
    Outcome outcome;
    std::optional<ExitStatus> status;
    std::optional<ErrorKind> error_kind; ///< spawn failures only
    std::string stdout_bytes;
    std::string stderr_bytes;
    Duration duration{0};
};

Entry entry_of(const Invocation& invocation, const ProcessResult& result);
/// What a scripted child must do to give back the recorded result.
Reply reply_of(const Entry& entry);

/// Writes the whole cassette; a new file gets mode 0600 and an existing one
/// is set to it. Throws Error (Io) naming the path.
void write_file(const std::string& path, const std::vector<Entry>& entries);
/// Throws Error naming the path if it cannot be read or is not a cassette.
std::vector<Entry> read_file(const std::string& path);

} // namespace processkit::cassette
