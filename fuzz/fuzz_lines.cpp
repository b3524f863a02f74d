// libFuzzer target: LineSplitter must give the same lines however the input
// is chunked, reproduce it byte for byte and respect its cap; the lossy UTF-8
// decoder must agree line by line with a whole-input decode; OutputBuffer must
// keep its invariants under any policy, and end the same whether a run of
// lines reaches it at once or line by line.
//
// Input layout: a 5-byte header (cap, policy mode, max_bytes, max_lines,
// chunk-size count), then the data; the chunk sizes are taken from the end
// (FuzzedDataProvider reads integers from the back).

#include "processkit/core/line_splitter.hpp"
#include "processkit/core/output_buffer.hpp"
#include "processkit/core/utf8.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <string_view>
#include <vector>

using namespace processkit;

namespace {

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

/// Feeds the chunks, checking the pending cap after every step.
std::vector<Line> split(const std::vector<std::string_view>& chunks, std::size_t cap) {
    LineSplitter splitter(cap);
    std::vector<Line> lines;
    for (std::string_view chunk : chunks) {
        splitter.feed(chunk, lines);
        check(splitter.pending_bytes() <= cap);
    }
    splitter.finish(lines);
    check(splitter.pending_bytes() == 0);
    return lines;
}

/// Chunks of the given sizes, cycled over the data; all-zero sizes become 1.
std::vector<std::string_view> chunk(std::string_view data, const std::vector<std::size_t>& sizes) {
    std::size_t sum = 0;
    for (std::size_t s : sizes) {
        sum += s;
    }
    std::vector<std::string_view> chunks;
    std::size_t pos = 0;
    for (std::size_t k = 0; pos < data.size(); ++k) {
        const std::size_t n = sum == 0 ? 1 : sizes[k % sizes.size()];
        chunks.push_back(data.substr(pos, n)); // n == 0 feeds an empty chunk
        pos += chunks.back().size();
    }
    return chunks;
}

void check_lines(const std::vector<Line>& lines, std::string_view data, std::size_t cap) {
    std::string rebuilt;
    std::string decoded_per_line;
    bool any_cut = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const Line& line = lines[i];
        check(line.content.size() <= cap);
        check(!line.cut || (line.ending == LineEnding::None && !line.content.empty()));
        // An unterminated, uncut line can only be the last one, and not empty.
        if (line.ending == LineEnding::None && !line.cut) {
            check(i + 1 == lines.size() && !line.content.empty());
        }
        const std::string decoded = decode_utf8_lossy(line.content);
        check(is_valid_utf8(decoded));
        check((decoded == line.content) == is_valid_utf8(line.content));
        rebuilt += line.content;
        rebuilt += terminator_bytes(line.ending);
        decoded_per_line += decoded;
        decoded_per_line += terminator_bytes(line.ending);
        any_cut = any_cut || line.cut;
    }
    check(rebuilt == data);
    // Terminators are ASCII, so they never split a UTF-8 sequence; cuts back
    // off from incomplete sequences whenever the cap leaves room to.
    if (!any_cut || cap >= 4) {
        check(decoded_per_line == decode_utf8_lossy(data));
    }
}

void check_buffer(const BufferPolicy& policy, const std::vector<Line>& lines,
                  std::string_view data) {
    OutputBuffer buffer(policy);
    for (const Line& line : lines) {
        buffer.push(line);
        const StreamCounters& c = buffer.counters();
        check(buffer.stored_bytes() + c.dropped_bytes == c.total_bytes);
        check(c.truncated == (c.dropped_bytes != 0 || c.dropped_lines != 0));
        check(c.overflowed == (policy.mode == BufferPolicy::Mode::Fail && c.truncated));
        if (policy.bounded() && policy.max_bytes != 0) {
            check(buffer.stored_bytes() <= policy.max_bytes);
        }
        if (policy.bounded() && policy.max_lines != 0) {
            check(buffer.segments().size() <= policy.max_lines);
        }
        check(c.dropped_lines <= c.total_lines);
    }
    const StreamCounters& c = buffer.counters();
    check(c.total_bytes == data.size());
    check(c.total_lines == lines.size());

    std::string concatenated;
    for (std::string_view segment : buffer.segments()) {
        concatenated += segment;
    }
    const std::string bytes = buffer.bytes();
    check(bytes == concatenated && bytes.size() == buffer.stored_bytes());

    // With only a byte limit, what is kept is a prefix or a suffix of the stream.
    if (!policy.bounded()) {
        check(bytes == data);
    } else if (policy.max_lines == 0) {
        const std::size_t n = std::min(data.size(), policy.max_bytes);
        const bool newest = policy.mode == BufferPolicy::Mode::KeepNewest;
        check(bytes == (newest ? data.substr(data.size() - n) : data.substr(0, n)));
    }
}

/// A counting splitter (LineSplitter::Content::Counted) over the chunks must
/// report the lines `whole` has: same lengths, endings and cuts, and the same
/// pending count after every chunk as a keeping one.
struct Counted final : LineSink {
    void on_line(std::string_view, LineEnding, bool, std::string*) override { check(false); }
    void on_counted_line(std::size_t length, LineEnding ending, bool cut) override {
        lines.push_back(Line{std::string(length, '.'), ending, cut});
    }
    std::vector<Line> lines;
};

void check_counted(const std::vector<std::string_view>& chunks, std::size_t cap,
                   const std::vector<Line>& whole) {
    LineSplitter kept(cap);
    LineSplitter counted(cap, LineSplitter::Content::Counted);
    std::vector<Line> ignored;
    Counted sink;
    for (std::string_view c : chunks) {
        kept.feed(c, ignored);
        counted.feed(c, sink);
        check(kept.pending_bytes() == counted.pending_bytes());
    }
    counted.finish(sink);
    check(sink.lines.size() == whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        check(sink.lines[i].content.size() == whole[i].content.size());
        check(sink.lines[i].ending == whole[i].ending && sink.lines[i].cut == whole[i].cut);
    }
}

/// A sink taking runs of whole LF-ended lines (LineSink::on_lf_run) must get
/// the lines `whole` has; a buffer given each run at once must end as one
/// given the run's lines one by one.
struct Runs final : LineSink {
    explicit Runs(const BufferPolicy& policy)
        : by_run(policy)
        , one_by_one(policy) {}
    void on_line(std::string_view content, LineEnding ending, bool cut,
                 std::string* owned) override {
        lines.push_back(Line{std::string(content), ending, cut});
        if (owned == nullptr && !cut) {
            by_run.push_until_settled(content, ending);
            one_by_one.push_until_settled(content, ending);
        } else {
            by_run.push(content, ending);
            one_by_one.push(content, ending);
        }
    }
    bool takes_lf_runs() const override { return true; }
    void on_lf_run(std::string_view run, std::size_t count) override {
        check(!run.empty() && run.back() == '\n');
        by_run.push_run_until_settled(run, count);
        std::size_t seen = 0;
        for (std::string_view rest = run; !rest.empty(); ++seen) {
            const std::size_t end = rest.find('\n');
            check(rest.substr(0, end).find('\r') == std::string_view::npos);
            lines.push_back(Line{std::string(rest.substr(0, end)), LineEnding::Lf, false});
            one_by_one.push_until_settled(rest.substr(0, end), LineEnding::Lf);
            rest.remove_prefix(end + 1);
        }
        check(seen == count);
    }
    std::vector<Line> lines;
    OutputBuffer by_run;
    OutputBuffer one_by_one;
};

void check_runs(const std::vector<std::string_view>& chunks, std::size_t cap,
                const BufferPolicy& policy, const std::vector<Line>& whole) {
    LineSplitter splitter(cap);
    Runs sink(policy);
    for (std::string_view c : chunks) {
        splitter.feed(c, sink);
        sink.by_run.settle(); // before the chunk the noted lines view goes away
        sink.one_by_one.settle();
    }
    splitter.finish(sink);
    check(sink.lines == whole);
    check(sink.by_run.bytes() == sink.one_by_one.bytes());
    check(sink.by_run.counters() == sink.one_by_one.counters());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider provider(data, size);
    const std::vector<std::uint8_t> header = provider.ConsumeBytes<std::uint8_t>(5);
    if (header.size() < 5) {
        return 0;
    }
    const std::size_t cap = 1 + header[0] % 64;
    BufferPolicy policy;
    policy.mode = static_cast<BufferPolicy::Mode>(header[1] % 4);
    policy.max_bytes = header[2];
    policy.max_lines = header[3] % 17;

    std::vector<std::size_t> sizes(1 + header[4] % 8);
    for (std::size_t& s : sizes) {
        s = provider.ConsumeIntegralInRange<std::size_t>(0, 40);
    }
    const std::string input = provider.ConsumeRemainingBytesAsString();
    const std::string_view in = input;

    const std::vector<Line> whole = split({in}, cap);
    std::vector<std::string_view> bytewise;
    for (std::size_t i = 0; i < in.size(); ++i) {
        bytewise.push_back(in.substr(i, 1));
    }
    check(split(bytewise, cap) == whole);
    check(split(chunk(in, sizes), cap) == whole);
    check_counted(chunk(in, sizes), cap, whole);
    check_runs(chunk(in, sizes), cap, policy, whole);

    check_lines(whole, in, cap);
    check_buffer(policy, whole, in);
    return 0;
}
