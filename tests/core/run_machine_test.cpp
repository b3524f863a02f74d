// Behaviour of the run machine that the golden traces do not pin, driven with
// a fake clock that jumps straight to next_deadline().
#include "processkit/core/run_machine.hpp"
#include "processkit/core/utf8.hpp"
#include "trace_format.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace processkit {
namespace {

using namespace std::chrono_literals;

/// A fake world: feeds inputs at a fake time and records every action.
struct Driver {
    explicit Driver(const Command& c, RunOptions o = {})
        : machine(c, o) {}

    std::vector<Action> feed(Input in) {
        machine.handle(now, in);
        std::vector<Action> out;
        while (auto a = machine.poll_action()) {
            if (std::holds_alternative<action::Finished>(*a)) {
                ++finished_count;
                result = std::get<action::Finished>(*a).result;
            }
            log.push_back(testing::describe(*a));
            out.push_back(std::move(*a));
        }
        return out;
    }
    /// Jumps the clock to the next deadline and ticks.
    std::vector<Action> advance() {
        auto d = machine.next_deadline();
        EXPECT_TRUE(d.has_value()) << "no deadline armed";
        if (d) {
            now = *d;
        }
        return feed(input::Tick{});
    }
    void start_running() {
        feed(input::Start{});
        feed(input::Spawned{});
    }
    void exit_and_close(ExitStatus s) {
        feed(input::Exited{s, std::nullopt, std::nullopt});
        feed(input::OutputClosed{Stream::Stdout});
        feed(input::OutputClosed{Stream::Stderr});
    }
    bool logged(const std::string& prefix) const {
        return std::any_of(log.begin(), log.end(),
                           [&](auto& l) { return l.rfind(prefix, 0) == 0; });
    }

    RunMachine machine;
    TimePoint now = TimePoint{} + 1h;
    std::vector<std::string> log;
    int finished_count = 0;
    std::optional<ProcessResult> result;
};

TEST(RunConfig, TakingStdinMovesOnlyTheBytesOut) {
    Command c("cat");
    c.arg("-n").stdin_bytes(std::string(100000, 'x')).timeout(5s).grace(1s);
    const RunConfig copied = RunConfig::of(c);
    Command mine = c;
    const RunConfig taken = RunConfig::taking_stdin(mine);
    EXPECT_EQ(taken.stdin_bytes, copied.stdin_bytes);
    EXPECT_EQ(taken.stdin_kind, StdinSource::Kind::Bytes);
    EXPECT_EQ(taken.program, copied.program);
    EXPECT_EQ(taken.timeout, copied.timeout);
    EXPECT_EQ(taken.grace, copied.grace);
    EXPECT_EQ(mine.stdin_source().kind, StdinSource::Kind::Bytes) << "still a pipe to write";
    EXPECT_TRUE(mine.stdin_source().data.empty());
    EXPECT_EQ(c.stdin_source().data.size(), 100000u) << "only the given command is taken from";

    // Every other source is left as it is: a file's path is still needed.
    Command f("cat");
    f.stdin_file("/some/file");
    Command g = f;
    EXPECT_TRUE(RunConfig::taking_stdin(g).stdin_bytes.empty());
    EXPECT_EQ(g.stdin_source(), f.stdin_source());
}

TEST(RunMachine, TimeoutGraceKillWithAFakeClock) {
    Driver d(Command("sleep").timeout(1s).grace(2s));
    const auto t0 = d.now;
    d.start_running();
    d.advance();
    EXPECT_EQ(d.now - t0, 1s);
    EXPECT_EQ(d.log.back(), "signal tree TERM");
    d.advance();
    EXPECT_EQ(d.now - t0, 3s);
    EXPECT_EQ(d.log.back(), "kill tree");
    d.exit_and_close(ExitStatus::signalled(9));
    ASSERT_EQ(d.finished_count, 1);
    EXPECT_TRUE(d.result->timed_out);
    EXPECT_EQ(d.result->outcome, Outcome::timed_out());
    EXPECT_EQ(d.result->duration, 3s);
    EXPECT_EQ(d.result->failure()->kind(), ErrorKind::Timeout);
}

TEST(RunMachine, CustomTimeoutSignal) {
    Driver d(Command("x").timeout(10ms).timeout_signal(Signal::interrupt()));
    d.start_running();
    d.advance();
    EXPECT_EQ(d.log.back(), "signal tree INT");
}

TEST(RunMachine, ZeroTimeoutFiresAtOnce) {
    Driver d(Command("x").timeout(0s).grace(1s));
    d.start_running();
    EXPECT_EQ(d.machine.next_deadline(), d.now);
    d.advance();
    EXPECT_EQ(d.log.back(), "signal tree TERM");
}

TEST(RunMachine, CancelBeforeTheTimeoutTickBeatsIt) {
    Driver d(Command("x").timeout(1s).grace(1s));
    d.start_running();
    d.now += 1s; // the timeout is due, but the cancel is handled first
    d.feed(input::Cancel{});
    d.feed(input::Tick{});
    d.exit_and_close(ExitStatus::signalled(15));
    EXPECT_TRUE(d.result->cancelled);
    EXPECT_FALSE(d.result->timed_out);
    EXPECT_EQ(d.result->failure()->kind(), ErrorKind::Cancelled);
    EXPECT_EQ(std::count(d.log.begin(), d.log.end(), "signal tree TERM"), 1);
}

TEST(RunMachine, CancelWhileSpawningStopsTheChildOnceItExists) {
    Driver d(Command("x").grace(1s));
    d.feed(input::Start{});
    d.feed(input::Cancel{});
    EXPECT_FALSE(d.logged("signal"));
    d.feed(input::Spawned{});
    EXPECT_EQ(d.log.back(), "signal tree TERM");
}

TEST(RunMachine, KillWhileSpawningKillsOnceSpawned) {
    Driver d(Command("x"));
    d.feed(input::Start{});
    d.feed(input::Kill{});
    d.feed(input::Spawned{});
    EXPECT_EQ(d.log.back(), "kill tree");
}

TEST(RunMachine, CancelBeforeStartFinishesWithoutSpawning) {
    Driver d(Command("x"));
    d.feed(input::Cancel{});
    EXPECT_EQ(d.finished_count, 1);
    EXPECT_FALSE(d.logged("spawn"));
    EXPECT_EQ(d.result->outcome, Outcome::cancelled());
}

TEST(RunMachine, UserKillIsImmediateAndOnlyOnce) {
    Driver d(Command("x").timeout(5s));
    d.start_running();
    d.feed(input::Kill{});
    d.feed(input::Kill{});
    EXPECT_EQ(std::count(d.log.begin(), d.log.end(), "kill tree"), 1);
}

TEST(RunMachine, TerminateUsesItsSignalThenKillsAfterGrace) {
    Driver d(Command("x").grace(300ms));
    d.start_running();
    d.feed(input::Terminate{Signal::hangup()});
    EXPECT_EQ(d.log.back(), "signal tree HUP");
    d.advance();
    EXPECT_EQ(d.log.back(), "kill tree");
}

TEST(RunMachine, ExactlyOneFinishedAndNothingAfter) {
    Driver d(Command("x").timeout(1s));
    d.start_running();
    d.exit_and_close(ExitStatus::exited(0));
    const auto actions_at_finish = d.log.size();
    d.feed(input::Tick{});
    d.feed(input::Cancel{});
    d.feed(input::Kill{});
    d.feed(input::Output{Stream::Stdout, "late"});
    d.feed(input::Exited{ExitStatus::exited(1), std::nullopt, std::nullopt});
    EXPECT_EQ(d.finished_count, 1);
    EXPECT_EQ(d.log.size(), actions_at_finish);
    EXPECT_EQ(d.machine.next_deadline(), std::nullopt);
}

TEST(RunMachine, ProtocolMisuseThrows) {
    Driver d(Command("x"));
    EXPECT_THROW(d.feed(input::Output{Stream::Stdout, "x"}), std::logic_error);
    EXPECT_THROW(d.feed(input::Spawned{}), std::logic_error);
    d.feed(input::Start{});
    EXPECT_THROW(d.feed(input::Start{}), std::logic_error);
    d.feed(input::Spawned{});
    d.feed(input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt});
    EXPECT_THROW(d.feed(input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt}),
                 std::logic_error);
    d.feed(input::OutputClosed{Stream::Stdout});
    EXPECT_THROW(d.feed(input::OutputClosed{Stream::Stdout}), std::logic_error);
    EXPECT_THROW(d.feed(input::StatsSampled{}), std::logic_error);
}

TEST(RunMachine, UncapturedStreamsAreNotAwaited) {
    Driver d(Command("x").stdout_mode(StdioMode::Inherit).stderr_mode(StdioMode::Discard));
    d.start_running();
    d.feed(input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt});
    EXPECT_EQ(d.finished_count, 1);
    EXPECT_NO_THROW(d.machine.handle(d.now, input::Start{})) << "ignored once finished";
    EXPECT_EQ(d.machine.poll_action(), std::nullopt);
}

TEST(RunMachine, LinesAreDeliveredInOrderAcrossChunksAndStreams) {
    std::vector<std::string> seen;
    Driver d(Command("x").on_stdout_line([](std::string_view) {}), RunOptions{});
    d.start_running();
    d.feed(input::Output{Stream::Stdout, "a\r"});
    d.feed(input::Output{Stream::Stdout, "\nb\rc"});
    d.exit_and_close(ExitStatus::exited(0));
    for (const auto& l : d.log) {
        if (l.rfind("line", 0) == 0) {
            seen.push_back(l);
        }
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"line stdout \"a\"", "line stdout \"b\"",
                                              "line stdout \"c\""}));
    EXPECT_EQ(d.result->stdout_bytes, "a\r\nb\rc");
}

TEST(RunMachine, RecycledLineTextIsReusedAndHoldsOnlyTheNewLine) {
    Driver d(Command("x").on_stdout_line([](std::string_view) {}));
    d.start_running();
    auto first = d.feed(input::Output{Stream::Stdout, "a line long enough for the heap\n"});
    ASSERT_EQ(first.size(), 1u);
    std::string text = std::move(std::get<action::DeliverLine>(first[0]).text);
    EXPECT_EQ(text, "a line long enough for the heap");
    const char* storage = text.data();
    d.machine.recycle_line_text(std::move(text));
    auto second = d.feed(input::Output{Stream::Stdout, "short\nnext one, not recycled\n"});
    ASSERT_EQ(second.size(), 2u);
    const auto& reused = std::get<action::DeliverLine>(second[0]).text;
    EXPECT_EQ(reused, "short");
    EXPECT_EQ(reused.data(), storage); // decoded into the recycled string
    EXPECT_EQ(std::get<action::DeliverLine>(second[1]).text, "next one, not recycled");
    d.exit_and_close(ExitStatus::exited(0));
    EXPECT_EQ(d.result->stdout_bytes,
              "a line long enough for the heap\nshort\nnext one, not recycled\n");
}

/// Every line a run delivers, as (stream, text, cut), one entry per line,
/// splitting batches (RunOptions::batch_lines) again; and how many
/// DeliverLine actions carried them.
struct Delivered {
    std::vector<std::tuple<Stream, std::string, bool>> lines;
    std::size_t actions = 0;
    std::optional<ProcessResult> result;
};

Delivered delivered_lines(const Command& c, bool batch, const std::vector<Input>& inputs) {
    RunOptions o;
    o.batch_lines = batch;
    Driver d(c, o);
    d.start_running();
    Delivered out;
    bool finished_seen = false;
    for (const auto& in : inputs) {
        for (auto& a : d.feed(in)) {
            finished_seen = finished_seen || std::holds_alternative<action::Finished>(a);
            auto* l = std::get_if<action::DeliverLine>(&a);
            if (l == nullptr) {
                continue;
            }
            EXPECT_FALSE(finished_seen) << "a line after Finished";
            ++out.actions;
            if (!batch) {
                out.lines.emplace_back(l->stream, l->text, l->cut);
                continue;
            }
            EXPECT_EQ(l->text.back(), '\n') << "every batched line ends in '\\n'";
            std::size_t count = 0;
            for_each_batched_line(l->text, [&](std::string_view line) {
                out.lines.emplace_back(l->stream, std::string(line), false);
                ++count;
                return true;
            });
            if (l->cut) {
                EXPECT_EQ(count, 1u) << "a cut line is delivered alone";
                std::get<2>(out.lines.back()) = true;
            }
        }
    }
    out.result = d.result;
    return out;
}

TEST(RunMachine, BatchedLinesAreTheSameLinesInOneActionPerRead) {
    const Command c = Command("x")
                          .on_stdout_line([](std::string_view) {})
                          .on_stderr_line([](std::string_view) {})
                          .max_line_bytes(6);
    const std::vector<Input> inputs{
        input::Output{Stream::Stdout, "one\ntwo\r\n\nthr"},
        input::Output{Stream::Stderr, "err \xff\xfe bad\nlong line, cut in pieces\nok\n"},
        input::Output{Stream::Stdout, "ee\n\xe2\x82"},
        input::Output{Stream::Stdout, "\xac\n"},
        input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt},
        input::OutputClosed{Stream::Stderr},
        input::Output{Stream::Stdout, "no terminator"},
        input::OutputClosed{Stream::Stdout},
    };
    const auto single = delivered_lines(c, false, inputs);
    const auto batched = delivered_lines(c, true, inputs);
    EXPECT_EQ(batched.lines, single.lines);
    EXPECT_GT(single.lines.size(), 10u);
    // Reads 1, 3, 4 and 6 give a batch each (and the close its remainder);
    // the cut pieces of read 2 go one by one, around the batches of the rest.
    EXPECT_LT(batched.actions, single.actions);
    std::size_t cuts = 0;
    for (const auto& line : single.lines) {
        cuts += std::get<2>(line) ? 1u : 0u;
    }
    EXPECT_GT(cuts, 0u);
}

/// `text` as stdout reads of 1 to `max` bytes (views of `text`, which must
/// outlive them), then the exit and both streams closed.
std::vector<Input> stdout_in_random_reads(const std::string& text, std::mt19937& random,
                                          std::size_t max) {
    std::vector<Input> inputs;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t n = std::min<std::size_t>(1 + random() % max, text.size() - at);
        inputs.push_back(input::Output{Stream::Stdout, std::string_view(text).substr(at, n)});
        at += n;
    }
    inputs.push_back(input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt});
    inputs.push_back(input::OutputClosed{Stream::Stdout});
    inputs.push_back(input::OutputClosed{Stream::Stderr});
    return inputs;
}

TEST(RunMachine, DeliveredLinesMatchASplitterAndDecoderOverRandomReads) {
    // ASCII reads take a faster path (no per-line decoding, consecutive LF
    // lines copied into a batch at once); reads with other bytes, CRs, lines
    // carried across reads and cut lines do not. Whatever the path, each
    // line is what a LineSplitter over the whole stream and the lossy
    // decoder make of it.
    const std::vector<std::string> pieces{
        "abc", "x", "\n", "\n", "\r", "\r\n", "\xC3\xA9", "\xFF", std::string(40, 'y')};
    for (unsigned seed = 1; seed <= 200; ++seed) {
        std::mt19937 random(seed);
        std::string text;
        while (text.size() < 2000) {
            // Mostly ASCII, as output is, so that whole reads are ASCII too.
            const std::size_t choices = random() % 4 == 0 ? pieces.size() : 6;
            text += pieces[random() % choices];
        }
        const std::size_t cap = seed % 3 == 0 ? 16 : LineSplitter::default_max_line_bytes;
        std::vector<Line> expected;
        LineSplitter splitter(cap);
        splitter.feed(text, expected);
        splitter.finish(expected);

        const auto inputs = stdout_in_random_reads(text, random, 300);
        const Command c = Command("x").on_stdout_line([](std::string_view) {}).max_line_bytes(cap);
        for (const bool batch : {false, true}) {
            const auto got = delivered_lines(c, batch, inputs);
            ASSERT_EQ(got.lines.size(), expected.size()) << "seed " << seed << " batch " << batch;
            for (std::size_t i = 0; i < expected.size(); ++i) {
                EXPECT_EQ(std::get<1>(got.lines[i]), decode_utf8_lossy(expected[i].content))
                    << "seed " << seed << " batch " << batch << " line " << i;
                EXPECT_EQ(std::get<2>(got.lines[i]), expected[i].cut)
                    << "seed " << seed << " batch " << batch << " line " << i;
            }
        }
    }
}

TEST(RunMachine, BatchedRunsOfLinesKeepWhatEachPolicyStoresAndCounts) {
    // With batched lines, whole LF-ended lines of an ASCII read reach the
    // buffer as one run (a small KeepNewest buffer notes only its newest
    // lines). What every policy stores and counts must not change.
    const std::vector<std::string> pieces{
        "line\n", "\n", "a longer line of text\n", "x", "\r\n", "\r", "\xC3\xA9\n"};
    const std::vector<BufferPolicy> policies{
        BufferPolicy::keep_newest_lines(1),   BufferPolicy::keep_newest_lines(5),
        BufferPolicy::keep_newest_lines(100), BufferPolicy::keep_newest_bytes(64),
        BufferPolicy::keep_oldest_lines(7),   BufferPolicy::unbounded()};
    for (unsigned seed = 1; seed <= 60; ++seed) {
        std::mt19937 random(seed);
        std::string text;
        while (text.size() < 3000) {
            text += pieces[random() % (random() % 6 == 0 ? pieces.size() : 4)];
        }
        const auto inputs = stdout_in_random_reads(text, random, 500);
        for (const BufferPolicy& policy : policies) {
            const Command c =
                Command("x").on_stdout_line([](std::string_view) {}).stdout_policy(policy);
            const auto single = delivered_lines(c, false, inputs);
            const auto batched = delivered_lines(c, true, inputs);
            ASSERT_TRUE(single.result && batched.result);
            const std::string where = "seed " + std::to_string(seed) + " policy " +
                                      std::to_string(policy.max_lines) + "/" +
                                      std::to_string(policy.max_bytes);
            EXPECT_EQ(batched.lines, single.lines) << where;
            EXPECT_EQ(batched.result->stdout_bytes, single.result->stdout_bytes) << where;
            EXPECT_EQ(batched.result->stdout_counters, single.result->stdout_counters) << where;
            EXPECT_EQ(single.result->stdout_counters.total_bytes, text.size()) << where;
        }
    }
}

TEST(RunMachine, BatchedLinesKeepLatin1DecodingAndEmptyLines) {
    const Command c =
        Command("x").on_stdout_line([](std::string_view) {}).encoding(Encoding::Latin1);
    const std::vector<Input> inputs{
        input::Output{Stream::Stdout, "\n\ncaf\xe9\n\n"},
        input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt},
        input::OutputClosed{Stream::Stdout}, input::OutputClosed{Stream::Stderr}};
    const auto batched = delivered_lines(c, true, inputs);
    EXPECT_EQ(batched.lines, delivered_lines(c, false, inputs).lines);
    ASSERT_EQ(batched.lines.size(), 4u);
    EXPECT_EQ(std::get<1>(batched.lines[2]), "caf\xc3\xa9");
    EXPECT_EQ(batched.actions, 1u);
}

TEST(RunMachine, ARecycledBatchIsTheNextBatchsStorage) {
    const Command c = Command("x").on_stdout_line([](std::string_view) {});
    RunOptions o;
    o.batch_lines = true;
    Driver d(c, o);
    d.start_running();
    auto first = d.feed(input::Output{Stream::Stdout, "a first batch of lines\nlong enough\n"});
    ASSERT_EQ(first.size(), 1u);
    std::string text = std::move(std::get<action::DeliverLine>(first[0]).text);
    EXPECT_EQ(text, "a first batch of lines\nlong enough\n");
    const char* storage = text.data();
    d.machine.recycle_line_text(std::move(text));
    auto second = d.feed(input::Output{Stream::Stdout, "x\ny\n"});
    ASSERT_EQ(second.size(), 1u);
    const auto& reused = std::get<action::DeliverLine>(second[0]).text;
    EXPECT_EQ(reused, "x\ny\n") << "nothing of the first batch is left";
    EXPECT_EQ(reused.data(), storage);
    d.exit_and_close(ExitStatus::exited(0));
    EXPECT_EQ(d.result->stdout_bytes, "a first batch of lines\nlong enough\nx\ny\n");
}

TEST(RunMachine, ForEachBatchedLineStopsWhenAsked) {
    std::vector<std::string> seen;
    EXPECT_FALSE(for_each_batched_line("a\n\nb\nc\n", [&](std::string_view line) {
        seen.emplace_back(line);
        return seen.size() < 3;
    }));
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "", "b"}));
    EXPECT_TRUE(for_each_batched_line("", [](std::string_view) { return false; }));
}

TEST(RunMachine, NextActionAppliesInPlaceInTheOrderPollActionWould) {
    const Command c = Command("x").on_stdout_line([](std::string_view) {});
    Driver polled(c);
    polled.start_running();
    const auto expected = polled.feed(input::Output{Stream::Stdout, "one\ntwo\nthree\n"});

    RunMachine m(c);
    const TimePoint now{};
    m.handle(now, input::Start{});
    Action* spawn = m.next_action();
    ASSERT_NE(spawn, nullptr);
    EXPECT_TRUE(std::holds_alternative<action::Spawn>(*spawn));
    EXPECT_EQ(m.next_action(), nullptr);
    m.handle(now, input::Spawned{});
    m.handle(now, input::Output{Stream::Stdout, "one\ntwo\nthree\n"});
    std::vector<std::string> seen;
    while (Action* a = m.next_action()) {
        seen.push_back(testing::describe(*a));
        if (auto* l = std::get_if<action::DeliverLine>(a)) {
            m.recycle_line_text(std::move(l->text)); // as the driver does
        }
    }
    ASSERT_EQ(seen.size(), expected.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i], testing::describe(expected[i]));
    }
    EXPECT_EQ(m.next_action(), nullptr); // drained stays drained
    // Mixed with poll_action(): nothing is delivered twice or lost.
    m.handle(now, input::Output{Stream::Stdout, "four\nfive\n"});
    Action* four = m.next_action();
    ASSERT_NE(four, nullptr);
    EXPECT_EQ(std::get<action::DeliverLine>(*four).text, "four");
    auto five = m.poll_action();
    ASSERT_TRUE(five.has_value());
    EXPECT_EQ(std::get<action::DeliverLine>(*five).text, "five");
    EXPECT_EQ(m.poll_action(), std::nullopt);
    EXPECT_EQ(m.next_action(), nullptr);
}

TEST(RunMachine, FailedHandlerStopsDeliveryButCaptureGoesOn) {
    Driver d(Command("x").on_stdout_line([](std::string_view) {}));
    d.start_running();
    d.feed(input::Output{Stream::Stdout, "one\n"});
    d.feed(input::HandlerFailed{Stream::Stdout});
    d.feed(input::Output{Stream::Stdout, "two\n"});
    d.exit_and_close(ExitStatus::exited(0));
    EXPECT_EQ(
        std::count_if(d.log.begin(), d.log.end(), [](auto& l) { return l.rfind("line", 0) == 0; }),
        1);
    EXPECT_EQ(d.result->stdout_bytes, "one\ntwo\n");
    EXPECT_EQ(d.result->stdout_counters.total_lines, 2u);
}

TEST(RunMachine, LiveLineCounts) {
    Driver d(Command("x"));
    d.start_running();
    d.feed(input::Output{Stream::Stderr, "e1\ne2\ne3"});
    EXPECT_EQ(d.machine.counters(Stream::Stderr).total_lines, 2u);
    EXPECT_EQ(d.machine.counters(Stream::Stdout).total_lines, 0u);
}

TEST(RunMachine, TeeForwardsRawBytes) {
    Driver d(Command("x").stdout_tee([](std::string_view) {}));
    d.start_running();
    d.feed(input::Output{Stream::Stdout, "\xff raw"});
    EXPECT_EQ(d.log.back(), "tee stdout \"\xff raw\"") << "raw bytes, not decoded";
}

TEST(RunMachine, KeepNewestLinesPolicy) {
    Driver d(Command("x").stdout_policy(BufferPolicy::keep_newest_lines(2)));
    d.start_running();
    d.feed(input::Output{Stream::Stdout, "1\n2\n3\n4\n"});
    d.exit_and_close(ExitStatus::exited(0));
    EXPECT_EQ(d.result->stdout_bytes, "3\n4\n");
    EXPECT_EQ(d.result->stdout_counters.dropped_lines, 2u);
    EXPECT_TRUE(d.result->truncated());
    EXPECT_TRUE(d.result->success()) << "truncation is not a failure";
}

TEST(RunMachine, InteractiveStdinClosesOnlyAfterPendingWrites) {
    Driver d(Command("cat").stdin_interactive());
    d.start_running();
    EXPECT_TRUE(d.machine.stdin_writable());
    d.feed(input::WriteStdin{"hello\n"});
    EXPECT_EQ(d.log.back(), "write-stdin \"hello\\n\"");
    d.feed(input::CloseStdin{});
    EXPECT_FALSE(d.logged("close-stdin")) << "a write is still pending";
    EXPECT_FALSE(d.machine.stdin_writable());
    d.feed(input::WriteStdin{"ignored"});
    EXPECT_NE(d.log.back(), "write-stdin \"ignored\"");
    d.feed(input::StdinDrained{});
    EXPECT_EQ(d.log.back(), "close-stdin");
}

TEST(RunMachine, BrokenStdinIsReportedNotFatal) {
    Driver d(Command("head").stdin_bytes(std::string(1 << 20, 'x')));
    d.start_running();
    d.feed(input::StdinBroken{});
    EXPECT_EQ(d.log.back(), "close-stdin");
    d.exit_and_close(ExitStatus::exited(0));
    EXPECT_TRUE(d.result->stdin_broken);
    EXPECT_TRUE(d.result->success());
}

TEST(RunMachine, EmptyStdinBytesClosesAtOnce) {
    Driver d(Command("cat").stdin_bytes(""));
    d.start_running();
    EXPECT_EQ(d.log.back(), "close-stdin");
    EXPECT_FALSE(d.logged("write-stdin"));
}

TEST(RunMachine, CancelWhileDrainingEndsTheRun) {
    Driver d(Command("x").drain_timeout(10s));
    d.start_running();
    d.feed(input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt});
    d.feed(input::Cancel{});
    EXPECT_EQ(d.finished_count, 1);
    EXPECT_TRUE(d.result->cancelled);
}

TEST(RunMachine, ZeroDrainTimeoutFinishesAtTheNextTick) {
    Driver d(Command("x").drain_timeout(0s));
    d.start_running();
    d.feed(input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt});
    d.advance();
    EXPECT_EQ(d.finished_count, 1);
    EXPECT_TRUE(d.result->output_incomplete);
}

TEST(RunMachine, ExitBeforeTimeoutDisarmsIt) {
    Driver d(Command("x").timeout(5s));
    d.start_running();
    d.feed(input::Exited{ExitStatus::exited(3), std::nullopt, std::nullopt});
    EXPECT_EQ(d.machine.next_deadline(), d.now + Command::default_drain_timeout);
    d.feed(input::OutputClosed{Stream::Stdout});
    d.feed(input::OutputClosed{Stream::Stderr});
    EXPECT_FALSE(d.result->timed_out);
    EXPECT_EQ(d.result->exit_code(), 3);
    EXPECT_EQ(d.result->failure()->kind(), ErrorKind::NonZeroExit);
}

TEST(RunMachine, ProfileTakesTheLargestFigures) {
    Driver d(Command("x"), RunOptions{true, {}, 50ms});
    d.start_running();
    ASSERT_EQ(d.log.back(), "sample-stats");
    d.feed(input::StatsSampled{{2, 400ms, 5000, std::nullopt}});
    d.feed(input::Exited{ExitStatus::exited(0), 100ms, 7000});
    d.feed(input::OutputClosed{Stream::Stdout});
    d.feed(input::OutputClosed{Stream::Stderr});
    EXPECT_EQ(d.result->profile.cpu_time, 400ms) << "the tree's figure beats the child's rusage";
    EXPECT_EQ(d.result->profile.peak_memory_bytes, 7000u);
    EXPECT_EQ(d.result->profile.samples, 1u);
    EXPECT_EQ(d.result->profile.exit_code, 0);
}

// --- raw capture ---------------------------------------------------------------

/// A store that can be read into in place (like the page store of os/).
class RoomyStore final : public CaptureStore {
public:
    void append(std::string_view first, std::string_view second) override {
        bytes_.resize(size_);
        bytes_.append(first).append(second);
        size_ = bytes_.size();
    }
    std::string_view view() const noexcept override { return {bytes_.data(), size_}; }
    std::string take() override {
        bytes_.resize(size_);
        size_ = 0;
        return std::exchange(bytes_, {});
    }
    std::span<char> writable_tail(std::size_t bytes) override {
        bytes_.resize(size_ + bytes + 7); // more room than asked, as a real store gives
        return {bytes_.data() + size_, bytes + 7};
    }
    void commit(std::size_t bytes) override {
        ASSERT_LE(size_ + bytes, bytes_.size());
        size_ += bytes;
        ++commits;
    }
    static inline int commits = 0;

private:
    std::string bytes_;
    std::size_t size_ = 0;
};

/// Runs `chunks` through a machine capturing stdout, and returns its result.
/// `in_place`: each chunk is written into output_target() when offered.
ProcessResult capture(const std::vector<std::string>& chunks, RunOptions options, bool in_place,
                      bool close = true) {
    Command c("x");
    c.max_line_bytes(5);
    Driver d(c, std::move(options));
    d.start_running();
    for (const std::string& chunk : chunks) {
        std::span<char> room =
            in_place ? d.machine.output_target(Stream::Stdout, chunk.size()) : std::span<char>();
        if (room.size() >= chunk.size()) {
            std::copy(chunk.begin(), chunk.end(), room.begin()); // "read" into the store
            d.feed(input::Output{Stream::Stdout, std::string_view(room.data(), chunk.size())});
        } else {
            d.feed(input::Output{Stream::Stdout, chunk});
        }
    }
    d.feed(input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt});
    if (close) {
        d.feed(input::OutputClosed{Stream::Stdout});
    }
    d.feed(input::OutputClosed{Stream::Stderr});
    if (!close) {
        while (!d.result && d.machine.next_deadline()) {
            d.advance(); // the drain bound ends the run with stdout still open
        }
    }
    EXPECT_TRUE(d.result.has_value());
    return d.result.value_or(ProcessResult{});
}

TEST(RunMachine, RawCaptureKeepsWhatLineCaptureKeeps) {
    // With a store and no line handler the bytes go to the store as they
    // come and the splitter only counts: same bytes, same counters as lines
    // pushed one by one, whether the chunks were copied or read in place.
    const std::vector<std::string> chunks = {
        "one\ntw", "o\r", "\nthree-is-long", "er\xE2\x82", "\xAC\n\r", "", "tail"};
    const ProcessResult plain = capture(chunks, {}, false);
    RunOptions copied;
    copied.capture_store = [] { return std::make_unique<StringCaptureStore>(); };
    RunOptions roomy;
    roomy.capture_store = [] { return std::make_unique<RoomyStore>(); };
    RoomyStore::commits = 0;
    const ProcessResult by_copy = capture(chunks, copied, false);
    const ProcessResult in_place = capture(chunks, roomy, true);
    EXPECT_EQ(RoomyStore::commits, static_cast<int>(chunks.size())); // each read in place
    for (const ProcessResult* r : {&by_copy, &in_place}) {
        EXPECT_EQ(r->stdout_bytes, plain.stdout_bytes);
        EXPECT_EQ(r->stdout_bytes, "one\ntwo\r\nthree-is-longer\xE2\x82\xAC\n\rtail");
        EXPECT_EQ(r->stdout_counters.total_lines, plain.stdout_counters.total_lines);
        EXPECT_EQ(r->stdout_counters.total_bytes, plain.stdout_counters.total_bytes);
    }
}

TEST(RunMachine, RawCaptureLeavesOutAnUnfinishedLineLikeLineCapture) {
    // Ended by the drain bound with stdout still open: the unfinished line
    // is in the store but not stored, as it would not be with lines.
    const std::vector<std::string> chunks = {"done\nunfin", "ished"};
    const ProcessResult plain = capture(chunks, {}, false, false);
    RunOptions roomy;
    roomy.capture_store = [] { return std::make_unique<RoomyStore>(); };
    const ProcessResult in_place = capture(chunks, roomy, true, false);
    EXPECT_EQ(in_place.stdout_bytes, plain.stdout_bytes);
    EXPECT_EQ(in_place.stdout_counters.total_lines, plain.stdout_counters.total_lines);
}

TEST(RunMachine, NoOutputTargetWithALineHandlerOrABoundedPolicy) {
    RunOptions roomy;
    roomy.capture_store = [] { return std::make_unique<RoomyStore>(); };
    Command handled("x");
    handled.on_stdout_line([](std::string_view) {});
    Driver d1(handled, roomy);
    d1.start_running();
    EXPECT_TRUE(d1.machine.output_target(Stream::Stdout, 64).empty());
    Command bounded("x");
    bounded.stdout_policy(BufferPolicy::keep_newest_lines(3));
    Driver d2(bounded, roomy);
    d2.start_running();
    EXPECT_TRUE(d2.machine.output_target(Stream::Stdout, 64).empty());
    Driver d3(Command("x"), roomy);
    d3.start_running();
    EXPECT_FALSE(d3.machine.output_target(Stream::Stdout, 64).empty());
}

} // namespace
} // namespace processkit
