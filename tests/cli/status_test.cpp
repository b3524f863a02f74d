// The live status line's pure parts: its text, its figures, when it is
// drawn and cleared, and whether it is wanted at all.
#include "options.hpp"
#include "status_choice.hpp"
#include "status_line.hpp"
#include "status_meter.hpp"
#include "status_text.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using processkit::TimePoint;

namespace {

const std::string clear(pk::StatusLine::clear_sequence);
const TimePoint t0{std::chrono::seconds(1000)};

/// A line started at t0 that has shown "pk 0s" since t0 + 250 ms.
pk::StatusLine shown_line() {
    pk::StatusLine line(250ms);
    line.start(t0);
    line.tick(t0 + 250ms, "pk 0s");
    return line;
}

pk::StatusFigures full_figures() {
    pk::StatusFigures f;
    f.elapsed = 65s + 400ms;
    f.cores = 1.8;
    f.memory_bytes = 29 * 1024 * 1024 + 512 * 1024;
    f.processes = 4;
    f.timeout_left = 534s + 200ms;
    return f;
}

pk::Sample sample(std::int64_t t_ms, std::optional<std::int64_t> cpu_ms, std::size_t processes,
                  std::uint64_t memory) {
    pk::Sample s;
    s.t_ms = t_ms;
    s.cpu_ms = cpu_ms;
    s.active_process_count = processes;
    s.memory_bytes = memory;
    return s;
}

} // namespace

TEST(StatusText, Clock) {
    EXPECT_EQ(pk::format_clock(0), "0s");
    EXPECT_EQ(pk::format_clock(59), "59s");
    EXPECT_EQ(pk::format_clock(60), "1m00s");
    EXPECT_EQ(pk::format_clock(65), "1m05s");
    EXPECT_EQ(pk::format_clock(3599), "59m59s");
    EXPECT_EQ(pk::format_clock(2 * 3600 + 3 * 60 + 7), "2h03m07s");
    EXPECT_EQ(pk::format_clock(-5), "0s");
}

TEST(StatusText, EveryFigure) {
    EXPECT_EQ(pk::status_text(full_figures(), 200),
              "pk 1m05s | CPU 1.80 cores | mem 29.5 MiB | 4 processes | timeout in 8m55s");
}

TEST(StatusText, ElapsedRoundsDownCountdownUp) {
    pk::StatusFigures f;
    f.elapsed = 1999ms;
    f.timeout_left = 1ms;
    const std::string text = pk::status_text(f, 200);
    EXPECT_EQ(text.rfind("pk 1s |", 0), 0u) << text;
    EXPECT_NE(text.find("timeout in 1s"), std::string::npos) << text;
}

TEST(StatusText, UnknownFiguresAndProcessGroups) {
    pk::StatusFigures f;
    f.counts_groups = true;
    f.processes = 1;
    EXPECT_EQ(pk::status_text(f, 200), "pk 0s | CPU n/a | mem n/a | 1 process group");
    f.processes = 3;
    f.counts_groups = false;
    EXPECT_EQ(pk::status_text(f, 200), "pk 0s | CPU n/a | mem n/a | 3 processes");
    f.processes = 1;
    EXPECT_EQ(pk::status_text(f, 200), "pk 0s | CPU n/a | mem n/a | 1 process");
}

TEST(StatusText, StoppingReplacesTheCountdown) {
    pk::StatusFigures f = full_figures();
    f.stopping = true;
    const std::string text = pk::status_text(f, 200);
    EXPECT_NE(text.find("| stopping"), std::string::npos) << text;
    EXPECT_EQ(text.find("timeout in"), std::string::npos) << text;
}

TEST(StatusText, CutToOneColumnLessThanTheTerminal) {
    const std::string whole = pk::status_text(full_figures(), 200);
    for (std::size_t width : {80u, 40u, 20u, 3u, 2u}) {
        const std::string text = pk::status_text(full_figures(), width);
        EXPECT_EQ(text, whole.substr(0, width - 1)) << width;
    }
    EXPECT_EQ(pk::status_text(full_figures(), 1), "");
    EXPECT_EQ(pk::status_text(full_figures(), 0), "");
}

TEST(StatusText, OnlyPrintableAscii) {
    for (char c : pk::status_text(full_figures(), 200)) {
        EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(c);
    }
}

TEST(StatusMeter, CoresOverTheLastInterval) {
    pk::StatusMeter meter(std::nullopt, false);
    meter.start(t0);
    meter.add(sample(0, 0, 1, 1000));
    meter.add(sample(200, 300, 3, 2000)); // 1.5 cores since the start
    auto f = meter.figures(t0 + 250ms, false);
    ASSERT_TRUE(f.cores);
    EXPECT_DOUBLE_EQ(*f.cores, 1.5);
    EXPECT_EQ(f.processes, 3u);
    EXPECT_EQ(f.memory_bytes, 2000u);
    EXPECT_EQ(f.elapsed, 250ms);
    meter.add(sample(300, 350, 2, 1500)); // 0.5 cores since the previous figures
    f = meter.figures(t0 + 500ms, false);
    EXPECT_DOUBLE_EQ(*f.cores, 0.5);
    EXPECT_EQ(f.processes, 2u);
    // No new sample: the last rate stays, not a rate over nothing.
    f = meter.figures(t0 + 750ms, false);
    EXPECT_DOUBLE_EQ(*f.cores, 0.5);
}

TEST(StatusMeter, AGroupStartsFromNoCpu) {
    pk::StatusMeter meter(std::nullopt, false);
    meter.start(t0);
    meter.add(sample(100, 100, 1, 1)); // the first sample came late
    EXPECT_DOUBLE_EQ(*meter.figures(t0 + 250ms, false).cores, 1.0);
}

TEST(StatusMeter, NoSamplesNoFigures) {
    pk::StatusMeter meter(std::nullopt, true);
    meter.start(t0);
    const auto f = meter.figures(t0 + 250ms, false);
    EXPECT_FALSE(f.cores);
    EXPECT_FALSE(f.processes);
    EXPECT_FALSE(f.memory_bytes);
    EXPECT_TRUE(f.counts_groups);
}

TEST(StatusMeter, ProcessGroupsHaveNoCpuTime) {
    pk::StatusMeter meter(std::nullopt, true);
    meter.start(t0);
    meter.add(sample(0, std::nullopt, 1, 10));
    meter.add(sample(100, std::nullopt, 2, 20));
    const auto f = meter.figures(t0 + 250ms, false);
    EXPECT_FALSE(f.cores);
    EXPECT_EQ(f.processes, 2u);
}

TEST(StatusMeter, CountdownOnlyWithATimeoutAndNeverBelowZero) {
    pk::StatusMeter none(std::nullopt, false);
    none.start(t0);
    EXPECT_FALSE(none.figures(t0 + 1s, false).timeout_left);
    pk::StatusMeter meter(10s, false);
    meter.start(t0);
    EXPECT_EQ(meter.figures(t0 + 2500ms, false).timeout_left, 7500ms);
    const auto late = meter.figures(t0 + 12s, true);
    EXPECT_EQ(late.timeout_left, 0s);
    EXPECT_TRUE(late.stopping);
}

TEST(StatusLine, FirstDrawOneIntervalAfterTheStart) {
    pk::StatusLine line(250ms);
    EXPECT_FALSE(line.next_draw());
    EXPECT_FALSE(line.due(t0));
    line.start(t0);
    EXPECT_EQ(line.next_draw(), t0 + 250ms);
    EXPECT_FALSE(line.due(t0 + 249ms));
    EXPECT_TRUE(line.due(t0 + 250ms));
    EXPECT_EQ(line.tick(t0 + 260ms, "pk 0s"), clear + "pk 0s");
    EXPECT_TRUE(line.shown());
    EXPECT_EQ(line.next_draw(), t0 + 510ms); // from the tick, not the schedule
}

TEST(StatusLine, ARunShorterThanAnIntervalWritesNothing) {
    pk::StatusLine line(250ms);
    line.start(t0);
    EXPECT_EQ(line.relay("hello\n"), "hello\n");
    EXPECT_EQ(line.finish(), "");
}

TEST(StatusLine, ClearedBeforeOutputAndRedrawnAfterALine) {
    pk::StatusLine line = shown_line();
    EXPECT_EQ(line.relay("out\n"), clear + "out\n" + clear + "pk 0s");
    EXPECT_TRUE(line.shown());
    EXPECT_EQ(line.tick(t0 + 1s, "pk 1s"), clear + "pk 1s");
}

TEST(StatusLine, AnUnfinishedLineIsNeverOverwritten) {
    pk::StatusLine line = shown_line();
    EXPECT_EQ(line.relay("Name: "), clear + "Name: ");
    EXPECT_FALSE(line.shown());
    EXPECT_FALSE(line.at_line_start());
    // Due, but the prompt stays as it is; the new text waits.
    EXPECT_EQ(line.tick(t0 + 500ms, "pk 0s b"), "");
    EXPECT_EQ(line.relay("\r50%"), "\r50%"); // a progress bar of PROGRAM's own
    EXPECT_EQ(line.tick(t0 + 750ms, "pk 0s c"), "");
    EXPECT_EQ(line.relay(" done\n"), " done\n" + clear + "pk 0s c");
    EXPECT_EQ(line.finish(), clear);
}

TEST(StatusLine, NothingShownNothingCleared) {
    pk::StatusLine line(250ms);
    line.start(t0);
    EXPECT_EQ(line.relay("partial"), "partial");
    EXPECT_EQ(line.tick(t0 + 250ms, "pk 0s"), "");
    EXPECT_EQ(line.finish(), "");
    EXPECT_EQ(line.relay(""), "");
}

TEST(StatusLine, FinishClearsForGood) {
    pk::StatusLine line = shown_line();
    EXPECT_EQ(line.finish(), clear);
    EXPECT_FALSE(line.shown());
    EXPECT_FALSE(line.next_draw());
    EXPECT_FALSE(line.due(t0 + 10s));
    EXPECT_EQ(line.tick(t0 + 10s, "pk 10s"), "");
    EXPECT_EQ(line.relay("late\n"), "late\n"); // no redraw after the end
    EXPECT_EQ(line.finish(), "");
}

TEST(StatusLine, TooNarrowATerminalShowsNothing) {
    pk::StatusLine line = shown_line();
    EXPECT_EQ(line.tick(t0 + 500ms, ""), clear);
    EXPECT_FALSE(line.shown());
    EXPECT_EQ(line.relay("x\n"), "x\n");
    EXPECT_EQ(line.finish(), "");
}

TEST(StatusLine, NothingDrawnOrClearedInTheBackground) {
    pk::StatusLine line = shown_line();
    line.set_foreground(false); // `bg`: the shell has the screen
    EXPECT_FALSE(line.shown());
    EXPECT_EQ(line.tick(t0 + 500ms, "pk 0s b"), "");
    EXPECT_EQ(line.relay("out\n"), "out\n");
    EXPECT_EQ(line.relay("half"), "half");
    EXPECT_EQ(line.finish(), "") << "no clear: it could erase the shell's prompt";
}

TEST(StatusLine, BackInTheForegroundOnAFreshLine) {
    pk::StatusLine line(250ms);
    line.start(t0);
    line.relay("half");
    line.set_foreground(false);
    line.set_foreground(true); // `fg`: the shell printed the command and a newline
    EXPECT_TRUE(line.at_line_start());
    EXPECT_EQ(line.tick(t0 + 250ms, "pk 0s"), clear + "pk 0s");
    line.set_foreground(true); // no change: the line stays
    EXPECT_TRUE(line.shown());
}

TEST(StatusChoice, OnlyOnATerminal) {
    pk::RunRequest r;
    EXPECT_TRUE(pk::wants_status_line(r, true, "xterm-256color"));
    EXPECT_FALSE(pk::wants_status_line(r, false, "xterm-256color"));
    r.status = true;
    EXPECT_FALSE(pk::wants_status_line(r, false, "xterm")) << "--status never into a file";
}

TEST(StatusChoice, DefaultOffForJsonQuietAndDumbTerminals) {
    pk::RunRequest r;
    EXPECT_FALSE(pk::wants_status_line(r, true, "dumb"));
    EXPECT_FALSE(pk::wants_status_line(r, true, ""));
    EXPECT_FALSE(pk::wants_status_line(r, true, nullptr));
    r.json = true;
    EXPECT_FALSE(pk::wants_status_line(r, true, "xterm"));
    r.json = false;
    r.quiet = true;
    EXPECT_FALSE(pk::wants_status_line(r, true, "xterm"));
}

TEST(StatusChoice, ExplicitChoiceWinsOnATerminal) {
    pk::RunRequest r;
    r.status = false;
    EXPECT_FALSE(pk::wants_status_line(r, true, "xterm"));
    r.status = true;
    r.json = true;
    r.quiet = true;
    EXPECT_TRUE(pk::wants_status_line(r, true, "dumb"));
}
