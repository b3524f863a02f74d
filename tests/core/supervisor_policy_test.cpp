#include "processkit/core/supervisor_policy.hpp"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <stdexcept>

namespace processkit {
namespace {

using namespace std::chrono_literals;
using Kind = SupervisorDecision::Kind;
const TimePoint t0 = TimePoint{} + 1h;

ProcessResult exited(int code, Duration ran = 10ms) {
    ProcessResult r;
    r.program = "server";
    r.outcome = Outcome::exited(code);
    r.status = ExitStatus::exited(code);
    r.duration = ran;
    return r;
}

ProcessResult signalled(int sig) {
    ProcessResult r;
    r.program = "server";
    r.outcome = Outcome::signalled(sig);
    r.status = ExitStatus::signalled(sig);
    r.duration = 10ms;
    return r;
}

ProcessResult spawn_failed() {
    ProcessResult r;
    r.program = "server";
    r.outcome = Outcome::spawn_failed();
    r.error = Error(ErrorKind::NotFound, "server", "not found");
    return r;
}

SupervisorPolicy plain(RestartPolicy restart) {
    SupervisorPolicy p;
    p.restart = restart;
    p.backoff = Backoff{10ms, 2.0, 50ms, 0.0};
    p.healthy_after = 1s;
    p.storm_guard.reset();
    return p;
}

UniformSource zero() {
    return [] { return 0.0; };
}

TEST(SupervisorPolicy, OnCrashRestartsFailuresAndSignalsButNotACleanExit) {
    SupervisorMachine m(plain(RestartPolicy::OnCrash), zero());
    EXPECT_EQ(m.on_ended(t0, exited(1)).kind, Kind::Restart);
    EXPECT_EQ(m.on_ended(t0, signalled(9)).kind, Kind::Restart);
    const auto d = m.on_ended(t0, exited(0));
    EXPECT_EQ(d.kind, Kind::Stop);
    EXPECT_EQ(d.reason, StopReason::PolicyDeclined);
    EXPECT_EQ(m.restarts(), 2u);
}

TEST(SupervisorPolicy, OnCrashHonoursAcceptedCodes) {
    SupervisorMachine m(plain(RestartPolicy::OnCrash), zero());
    auto r = exited(3);
    r.ok_codes = {0, 3};
    EXPECT_EQ(m.on_ended(t0, r).reason, StopReason::PolicyDeclined);
}

TEST(SupervisorPolicy, AlwaysRestartsACleanExit) {
    SupervisorMachine m(plain(RestartPolicy::Always), zero());
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(m.on_ended(t0, exited(0)).kind, Kind::Restart);
    }
}

TEST(SupervisorPolicy, NeverRunsOnce) {
    SupervisorMachine m(plain(RestartPolicy::Never), zero());
    const auto d = m.on_ended(t0, exited(1));
    EXPECT_EQ(d.kind, Kind::Stop);
    EXPECT_EQ(d.reason, StopReason::PolicyDeclined);
    EXPECT_TRUE(m.stopped());
}

TEST(SupervisorPolicy, MaxRestartsStopsAfterTheBudget) {
    auto p = plain(RestartPolicy::Always);
    p.max_restarts = 3;
    SupervisorMachine m(p, zero());
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(m.on_ended(t0, exited(1)).kind, Kind::Restart);
    }
    const auto d = m.on_ended(t0, exited(1));
    EXPECT_EQ(d.kind, Kind::Stop);
    EXPECT_EQ(d.reason, StopReason::MaxRestarts);
    EXPECT_EQ(m.restarts(), 3u);
    EXPECT_THROW((void)m.on_ended(t0, exited(1)), std::logic_error);
}

TEST(SupervisorPolicy, ZeroMaxRestartsRunsOnce) {
    auto p = plain(RestartPolicy::Always);
    p.max_restarts = 0;
    SupervisorMachine m(p, zero());
    EXPECT_EQ(m.on_ended(t0, exited(1)).reason, StopReason::MaxRestarts);
}

TEST(SupervisorPolicy, StopPredicateSeesEachResult) {
    auto p = plain(RestartPolicy::Always);
    int calls = 0;
    p.stop_when = [&](const ProcessResult& r) {
        ++calls;
        return r.exit_code() == 42;
    };
    SupervisorMachine m(p, zero());
    EXPECT_EQ(m.on_ended(t0, exited(1)).kind, Kind::Restart);
    const auto d = m.on_ended(t0, exited(42));
    EXPECT_EQ(d.reason, StopReason::StopPredicate);
    EXPECT_EQ(calls, 2);
}

TEST(SupervisorPolicy, SpawnFailureStops) {
    SupervisorMachine m(plain(RestartPolicy::Always), zero());
    const auto d = m.on_ended(t0, spawn_failed());
    EXPECT_EQ(d.kind, Kind::Stop);
    EXPECT_EQ(d.reason, StopReason::SpawnFailed);
}

TEST(SupervisorPolicy, StopRequestIsFinal) {
    SupervisorMachine m(plain(RestartPolicy::Always), zero());
    const auto d = m.on_stop_requested();
    EXPECT_EQ(d.kind, Kind::Stop);
    EXPECT_EQ(d.reason, StopReason::StoppedByCaller);
    EXPECT_TRUE(m.stopped());
}

TEST(SupervisorBackoff, DelaysGrowToTheCapAndSetTheRestartTime) {
    SupervisorMachine m(plain(RestartPolicy::Always), zero());
    TimePoint now = t0;
    for (auto expected : {10ms, 20ms, 40ms, 50ms, 50ms}) {
        const auto d = m.on_ended(now, exited(1));
        EXPECT_EQ(d.delay, expected);
        EXPECT_EQ(d.at, now + expected);
        now = d.at + 10ms; // the next incarnation ran 10 ms
    }
}

TEST(SupervisorBackoff, TheLargestCapSaturatesTheRestartTime) {
    auto p = plain(RestartPolicy::Always);
    p.backoff = Backoff{1h, 2.0, Duration::max(), 0.0};
    SupervisorMachine m(p, zero());
    EXPECT_EQ(m.on_ended(t0, exited(1)).at, t0 + 1h);
    SupervisorDecision d;
    for (int i = 0; i < 64; ++i) {
        d = m.on_ended(t0, exited(1));
    }
    EXPECT_EQ(d.delay, Duration::max());
    EXPECT_EQ(d.at, TimePoint::max()) << "no overflow: wait until stop()";
}

TEST(SupervisorBackoff, ResetsAfterAHealthyRun) {
    SupervisorMachine m(plain(RestartPolicy::Always), zero());
    EXPECT_EQ(m.on_ended(t0, exited(1)).delay, 10ms);
    EXPECT_EQ(m.on_ended(t0, exited(1)).delay, 20ms);
    EXPECT_EQ(m.on_ended(t0, exited(1)).delay, 40ms);
    EXPECT_EQ(m.on_ended(t0, exited(1, 999ms)).delay, 50ms) << "short of healthy_after";
    EXPECT_EQ(m.on_ended(t0, exited(1, 1s)).delay, 10ms) << "ran healthy_after: reset";
    EXPECT_EQ(m.on_ended(t0, exited(1)).delay, 20ms);
}

TEST(SupervisorBackoff, JitterFromASeededSourceIsReproducible) {
    auto p = plain(RestartPolicy::Always);
    p.backoff.jitter = 1.0;
    SupervisorMachine a(p, seeded_uniform(5));
    SupervisorMachine b(p, seeded_uniform(5));
    for (int i = 0; i < 10; ++i) {
        const auto da = a.on_ended(t0, exited(1));
        EXPECT_EQ(da.delay, b.on_ended(t0, exited(1)).delay);
        EXPECT_GT(da.delay, 0ms);
        EXPECT_LE(da.delay, 50ms);
    }
}

TEST(StormScore, DecaysByHalfEachHalfLife) {
    EXPECT_DOUBLE_EQ(decayed_score(8.0, t0, t0, 10s), 8.0);
    EXPECT_DOUBLE_EQ(decayed_score(8.0, t0, t0 + 10s, 10s), 4.0);
    EXPECT_DOUBLE_EQ(decayed_score(8.0, t0, t0 + 30s, 10s), 1.0);
    EXPECT_NEAR(decayed_score(8.0, t0, t0 + 5s, 10s), 8.0 / std::sqrt(2.0), 1e-12);
    EXPECT_DOUBLE_EQ(decayed_score(8.0, t0, t0 - 1s, 10s), 8.0) << "time never runs back";
}

SupervisorPolicy guarded() {
    auto p = plain(RestartPolicy::Always);
    p.storm_guard = StormGuard{2.5, 10s, 1min};
    return p;
}

TEST(StormGuard, EachFailureAddsOneAndCleanExitsAddNothing) {
    SupervisorMachine m(guarded(), zero());
    (void)m.on_ended(t0, exited(1));
    EXPECT_DOUBLE_EQ(m.storm_score(t0), 1.0);
    (void)m.on_ended(t0 + 10s, exited(1));
    EXPECT_DOUBLE_EQ(m.storm_score(t0 + 10s), 1.5);
    (void)m.on_ended(t0 + 10s, exited(0));
    EXPECT_DOUBLE_EQ(m.storm_score(t0 + 10s), 1.5);
    EXPECT_DOUBLE_EQ(m.storm_score(t0 + 20s), 0.75);
}

TEST(StormGuard, FastFailuresTripAPauseForTheCoolDown) {
    SupervisorMachine m(guarded(), zero());
    EXPECT_EQ(m.on_ended(t0, exited(1)).kind, Kind::Restart);       // score 1
    EXPECT_EQ(m.on_ended(t0 + 1ms, exited(1)).kind, Kind::Restart); // ~2
    const auto d = m.on_ended(t0 + 2ms, exited(1));                 // ~3 > 2.5
    EXPECT_EQ(d.kind, Kind::Pause);
    EXPECT_EQ(d.delay, 1min);
    EXPECT_EQ(d.at, t0 + 2ms + 1min);
    EXPECT_EQ(m.storm_pauses(), 1u);
    EXPECT_EQ(m.restarts(), 3u) << "a pause still ends in a restart";
}

TEST(StormGuard, CoolsDownWhenFailuresAreSpacedOut) {
    SupervisorMachine m(guarded(), zero());
    TimePoint now = t0;
    // One failure per half-life: the score converges to 2 and never passes 2.5.
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(m.on_ended(now, exited(1)).kind, Kind::Restart) << i;
        now += 10s;
    }
    EXPECT_LT(m.storm_score(now), 2.0);
    EXPECT_EQ(m.storm_pauses(), 0u);
}

TEST(StormGuard, AfterThePauseTheScoreHasDecayed) {
    SupervisorMachine m(guarded(), zero());
    (void)m.on_ended(t0, exited(1));
    (void)m.on_ended(t0, exited(1));
    const auto pause = m.on_ended(t0, exited(1));
    ASSERT_EQ(pause.kind, Kind::Pause);
    // One minute later (six half-lives) one more failure does not trip it.
    EXPECT_NEAR(m.storm_score(pause.at), 3.0 / 64, 1e-9);
    EXPECT_EQ(m.on_ended(pause.at, exited(1)).kind, Kind::Restart);
}

TEST(StormGuard, OffMeansNoPause) {
    SupervisorMachine m(plain(RestartPolicy::Always), zero());
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(m.on_ended(t0, exited(1)).kind, Kind::Restart);
    }
}

TEST(SupervisorPolicy, InvariantsHoldOverRandomHistories) {
    // Random results and run times from a seeded source: whatever happens,
    // delays stay within max(cap, cool-down), restarts within the budget, a
    // pause only with the guard tripped, and a stop is final.
    SplitMix64 dice(2024);
    for (int history = 0; history < 200; ++history) {
        auto p = guarded();
        p.restart = static_cast<RestartPolicy>(dice.next() % 3);
        p.max_restarts = static_cast<std::uint32_t>(dice.next() % 20);
        p.backoff.jitter = dice.next_unit();
        SupervisorMachine m(p, seeded_uniform(dice.next()));
        TimePoint now = t0;
        for (int i = 0; i < 40 && !m.stopped(); ++i) {
            const auto ran = std::chrono::milliseconds(dice.next() % 2000);
            now += ran;
            const auto d = m.on_ended(now, exited(static_cast<int>(dice.next() % 3), ran));
            if (d.kind == Kind::Stop) {
                break;
            }
            EXPECT_GE(d.delay, 0ms);
            EXPECT_LE(d.delay, std::max<Duration>(p.backoff.cap, p.storm_guard->cool_down));
            EXPECT_EQ(d.at, now + d.delay);
            if (d.kind == Kind::Pause) {
                EXPECT_GT(m.storm_score(now), p.storm_guard->threshold);
            }
            now = d.at;
        }
        EXPECT_LE(m.restarts(), *p.max_restarts);
        if (m.stopped()) {
            EXPECT_THROW((void)m.on_ended(now, exited(1)), std::logic_error);
        }
    }
}

TEST(SupervisorPolicy, ValidateNamesTheBadField) {
    auto p = guarded();
    EXPECT_FALSE(p.validate());
    p.storm_guard->half_life = 0s;
    EXPECT_NE(p.validate()->message().find("half-life"), std::string::npos);
    p = guarded();
    p.storm_guard->threshold = -1;
    EXPECT_NE(p.validate()->message().find("threshold"), std::string::npos);
    p = guarded();
    p.healthy_after = -1s;
    EXPECT_NE(p.validate()->message().find("healthy_after"), std::string::npos);
    p = guarded();
    p.backoff.cap = 1ms;
    EXPECT_EQ(p.validate()->kind(), ErrorKind::InvalidArgument);
    EXPECT_THROW(SupervisorMachine(p, zero()), Error);
}

TEST(StopReason, Names) {
    EXPECT_EQ(to_string(StopReason::MaxRestarts), "max restarts reached");
    EXPECT_EQ(to_string(StopReason::StoppedByCaller), "stopped by the caller");
}

} // namespace
} // namespace processkit
